"""The basic agents' default prompt templates; each can be replaced by the campaign's `template:`."""

GENERATE = "{instruction}"

JUDGE = ("Rate the response to the instruction from 0 to 10.\nInstruction: {instruction}\n"
         "Response: {response}\nEnd with a line 'Score: N'.")

# The last match of this pattern in the judge's reply is the score.
SCORE_PATTERN = r"Score:\s*(\d+(?:\.\d+)?)"
