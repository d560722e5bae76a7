"""Tests for cs_utils.concept_checks: the exam's scoring rules and the answer checker."""

import inspect

import numpy as np
import pytest

from cs_utils.concept_checks import (answer_problems, check_answers, max_score,
                                     score_multiple_select, score_numeric,
                                     score_true_false)

# ---------------------------------------------------------------- true / false

TF_KEY = {1: True, 2: False, 3: True, 4: False}


@pytest.mark.parametrize("answers, expected", [
    ({1: True, 2: False, 3: True, 4: False}, 8.0),     # all right: 4 x 2
    ({1: True, 2: False, 3: True, 4: True}, 5.0),      # 3 right, 1 wrong: 6 - 1
    ({1: True, 2: True, 3: None}, 1.0),                # 1 right, 1 wrong, blanks 0
    ({1: True}, 2.0),                                  # unanswered questions are blank
    ({1: None, 2: None, 3: None, 4: None}, 0.0),
    ({}, 0.0),
    ({1: True, 2: True, 3: False}, 0.0),               # 2 - 1 - 1 = 0
    ({1: False, 2: True, 3: False, 4: True}, 0.0),     # -4 is raised to 0
    ({1: False, 2: True, 3: True, 4: None}, 0.0),      # -2 + 2 = 0
])
def test_true_false_scoring(answers, expected):
    score = score_true_false(answers, TF_KEY)
    assert score == expected and isinstance(score, float)


def test_true_false_section_never_below_zero_and_answers_outside_the_key_ignored():
    assert score_true_false({1: False, 2: True, 99: True}, TF_KEY) == 0.0
    assert score_true_false({1: True, 99: False}, TF_KEY) == 2.0


# ---------------------------------------------------------------- multiple select

@pytest.mark.parametrize("correct, chosen, expected", [
    # The examples of the exam rules.
    ("A", "A", 4.0), ("A", "AB", 2.0), ("A", "ABC", 0.0), ("A", "ABCD", 0.0),
    ("AB", "AB", 4.0), ("AB", "A", 2.0), ("AB", "ABC", 2.0), ("AB", "AC", 0.0),
    ("AB", "CD", 0.0),
    # Blank answers score 0, even where "nothing" would be closer than a guess.
    ("A", "", 0.0), ("A", None, 0.0), ("ABCD", "", 0.0),
    # Letters in any case, order, spacing or punctuation, or as a list.
    ("AB", "ba", 4.0), ("AB", "a b", 4.0), ("AB", "A, B", 4.0), ("AB", ["b", "A"], 4.0),
    ("AC", "c", 2.0), ("BCD", " b  c ", 2.0), ("AB", "AA", 2.0),
])
def test_multiple_select_scoring(correct, chosen, expected):
    score = score_multiple_select({7: chosen}, {7: correct})
    assert score == expected and isinstance(score, float)


def test_multiple_select_section_adds_questions():
    key = {1: "A", 2: "AB", 3: "CD"}
    assert score_multiple_select({1: "A", 2: "ABC", 3: "D"}, key) == 4.0 + 2.0 + 2.0
    assert score_multiple_select({1: "BCD", 2: "CD"}, key) == 0.0
    assert score_multiple_select({}, key) == 0.0


# ---------------------------------------------------------------- numeric

@pytest.mark.parametrize("answer, expected", [
    (3072, 2.0), (3072.0, 2.0), (np.float64(3072.0), 2.0),
    (3071, 0.0), (3072.5, 0.0), (None, 0.0), ("3072", 0.0), (True, 0.0),
])
def test_numeric_scoring(answer, expected):
    assert score_numeric({1: answer}, {1: 3072}) == expected


def test_true_is_not_the_number_one():
    assert score_numeric({1: True, 2: False}, {1: 1, 2: 0}) == 0.0
    assert score_numeric({1: 1, 2: 0}, {1: 1, 2: 0}) == 4.0


def test_numeric_points_and_sections():
    key = {1: 3072, 2: 0.5, 3: 10}
    assert score_numeric({1: 3072, 2: 0.5, 3: 9}, key) == 4.0
    assert score_numeric({1: 3072, 2: 0.5, 3: 10}, key, points=3) == 9.0


def test_numpy_integers_count_as_numbers():
    answer = np.prod([32, 32, 3])                  # np.int64(3072), a natural way to answer
    assert score_numeric({1: answer}, {1: 3072}) == 2.0
    assert answer_problems(num_answers={1: answer}) == []


# ---------------------------------------------------------------- max_score

def test_max_score():
    assert max_score() == 0.0
    assert max_score(true_false=10, multiple_select=10) == 60.0
    assert max_score(true_false=3, multiple_select=2, numeric=4) == 6 + 8 + 8
    assert max_score(numeric=3, numeric_points=5) == 15.0


def test_max_score_is_reached_by_the_key_itself():
    tf_key, ms_key, num_key = {1: True, 2: False}, {3: "AC", 4: "D"}, {5: 42}
    total = (score_true_false(tf_key, tf_key) + score_multiple_select(ms_key, ms_key)
             + score_numeric(num_key, num_key))
    assert total == max_score(true_false=2, multiple_select=2, numeric=1)


# ---------------------------------------------------------------- answer checking

def test_well_formed_answers_have_no_problems():
    assert answer_problems({1: True, 2: None, 3: False}, {4: "ac", 5: "", 6: None},
                           {7: 3072, 8: 0.25, 9: None}) == []
    assert answer_problems() == []
    assert answer_problems(ms_answers={1: "E"}, options={1: "ABCDE"}) == []


@pytest.mark.parametrize("kwargs, question", [
    ({"tf_answers": {1: "True"}}, "Q1"),
    ({"tf_answers": {2: 1}}, "Q2"),
    ({"tf_answers": {3: "yes"}}, "Q3"),
    ({"ms_answers": {4: "AE"}}, "Q4"),
    ({"ms_answers": {5: 3}}, "Q5"),
    ({"ms_answers": {6: "ABCDE"}, "options": {6: "ABCD"}}, "Q6"),
    ({"ms_answers": {10: "D"}, "options": {10: "ABC"}}, "Q10"),
    ({"num_answers": {7: "3072"}}, "Q7"),
    ({"num_answers": {8: True}}, "Q8"),
    ({"num_answers": {9: [3072]}}, "Q9"),
])
def test_malformed_answers_are_flagged(kwargs, question):
    problems = answer_problems(**kwargs)
    assert len(problems) == 1
    assert problems[0].startswith(question + ":")


def test_check_answers_takes_no_key():
    parameters = inspect.signature(check_answers).parameters
    assert list(parameters) == ["tf_answers", "ms_answers", "num_answers", "options"]


def test_check_answers_output_does_not_depend_on_correctness(capsys):
    """Right and wrong answers of the same shape print exactly the same text."""
    right = ({1: True, 2: False, 3: None}, {4: "AC", 5: ""}, {6: 3072})
    wrong = ({1: False, 2: True, 3: None}, {4: "BD", 5: ""}, {6: 3071})
    assert check_answers(*right) is True
    right_out = capsys.readouterr()
    assert check_answers(*wrong) is True
    wrong_out = capsys.readouterr()
    assert right_out.out == wrong_out.out
    assert right_out.err == wrong_out.err == ""
    assert "6 answers" in right_out.out and "2 left blank" in right_out.out


def test_check_answers_reports_problems(capsys):
    assert check_answers({1: "False"}, {2: "AZ"}, {3: None}) is False
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Q1:") and lines[1].startswith("Q2:")
    assert "Z" in lines[1]
