"""Exam-style concept checks that grade themselves.

Students answer in a code cell, one dictionary per question format, keyed by the
question number shown in the notebook::

    tf_answers = {1: True, 2: None, 3: False}      # True, False, or None for blank
    ms_answers = {4: "AC", 5: ""}                  # the letters you select
    num_answers = {6: 3072}                        # an exact number

``check_answers`` tells a student which answers are well formed without revealing
which are right. The graded cells score them with the course's exam rules:

- true/false: +2 right, -1 wrong, 0 blank; a section never scores below 0;
- multiple-select: 4 points minus 2 for each wrong selection and each missed
  option, never below 0; a blank answer scores 0;
- numeric: full points when exactly right, otherwise 0.

Each scoring function returns a float, so a graded cell that ends with it gives
nbgrader partial credit.
"""

import numbers

TRUE_FALSE_RIGHT = 2.0
TRUE_FALSE_WRONG = -1.0
MULTIPLE_SELECT_POINTS = 4.0
MULTIPLE_SELECT_PENALTY = 2.0
NUMERIC_POINTS = 2.0


def _selection(answer):
    """The set of upper-case letters in a multiple-select answer ('a c' -> {'A', 'C'})."""
    if answer is None:
        return set()
    if isinstance(answer, str):
        return {c.upper() for c in answer if c.isalpha()}
    return {str(c).strip().upper() for c in answer}


def _is_number(answer):
    """Ints, floats and numpy numbers count; booleans do not."""
    return isinstance(answer, numbers.Real) and not isinstance(answer, bool)


def score_true_false(answers, key):
    """Score true/false answers: +2 right, -1 wrong, 0 blank, total at least 0."""
    total = 0.0
    for question, correct in key.items():
        answer = answers.get(question)
        if answer is None:
            continue
        total += TRUE_FALSE_RIGHT if answer is correct else TRUE_FALSE_WRONG
    return max(0.0, total)


def score_multiple_select(answers, key):
    """Score multiple-select answers: 4 minus 2 per wrong or missed option, at least 0."""
    total = 0.0
    for question, correct in key.items():
        chosen = _selection(answers.get(question))
        if not chosen:
            continue
        mistakes = len(chosen ^ _selection(correct))
        total += max(0.0, MULTIPLE_SELECT_POINTS - MULTIPLE_SELECT_PENALTY * mistakes)
    return total


def score_numeric(answers, key, points=NUMERIC_POINTS):
    """Score numeric answers: ``points`` for an exactly right number, else 0."""
    total = 0.0
    for question, correct in key.items():
        answer = answers.get(question)
        if not _is_number(answer):
            continue
        if answer == correct:
            total += points
    return total


def max_score(true_false=0, multiple_select=0, numeric=0, numeric_points=NUMERIC_POINTS):
    """The most a section with this many questions of each format can score."""
    return (TRUE_FALSE_RIGHT * true_false + MULTIPLE_SELECT_POINTS * multiple_select
            + numeric_points * numeric)


def answer_problems(tf_answers=None, ms_answers=None, num_answers=None, options=None):
    """List what is malformed in a student's answers (empty list: all well formed).

    - tf_answers: {question: True | False | None}
    - ms_answers: {question: letters}; ``options`` maps a question to its letters
      (default "ABCD").
    - num_answers: {question: int | float | None}
    """
    options = options or {}
    problems = []
    for question, answer in (tf_answers or {}).items():
        if answer is not None and not isinstance(answer, bool):
            problems.append(f"Q{question}: answer True, False or None, not {answer!r}")
    for question, answer in (ms_answers or {}).items():
        allowed = set(options.get(question, "ABCD"))
        if answer is not None and not isinstance(answer, (str, list, tuple, set)):
            problems.append(f"Q{question}: give the letters you select as a string like 'AC'")
            continue
        unknown = _selection(answer) - allowed
        if unknown:
            problems.append(f"Q{question}: {''.join(sorted(unknown))} is not one of the "
                            f"options {''.join(sorted(allowed))}")
    for question, answer in (num_answers or {}).items():
        if answer is not None and not _is_number(answer):
            problems.append(f"Q{question}: answer with a number, not {answer!r}")
    return problems


def check_answers(tf_answers=None, ms_answers=None, num_answers=None, options=None):
    """Print whether each answer is well formed and how many are still blank.

    It never says whether an answer is right.
    """
    problems = answer_problems(tf_answers, ms_answers, num_answers, options)
    answers = [*(tf_answers or {}).values(), *(ms_answers or {}).values(),
               *(num_answers or {}).values()]
    blank = sum(1 for a in answers if a is None or (isinstance(a, str) and not a.strip()))
    for problem in problems:
        print(problem)
    if not problems:
        print(f"All {len(answers)} answers are well formed ({blank} left blank).")
    return not problems
