from tests.conftest import add_assignment_to_path

add_assignment_to_path("assignment1")
