"""Calls for views: the Secretariat's consultations (the mapping exercise as a workflow),
their answers, the tracker of who has answered, reminders and the compilation."""
