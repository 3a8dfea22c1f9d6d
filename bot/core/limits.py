"""Text limits shared by the content validator and the renderers (the platform limits).

Content is checked against the strictest platform so that every card fits everywhere.
"""

BUTTON_LABEL = 75  # Slack button text (Discord allows 80)
ACTION_ID = 100  # Discord custom_id (Slack allows 255)
NAME = 80  # role, dimension, stage and skill names: used in titles and labels
QUESTION_TEXT = 250
DIMENSION_VALUE = 400
SUMMARY = 1000
LIST_ITEM = 200
PARAGRAPH = 1000
OPTIONS_PER_QUESTION = (2, 5)  # one Discord action row holds 5 buttons
QUESTIONS = (1, 20)
ROLES = (2, 5)
MIN_STAGES = 3
MAX_STAGES = 20  # 4 rows of 5 Done buttons; the fifth row holds the reminder button
