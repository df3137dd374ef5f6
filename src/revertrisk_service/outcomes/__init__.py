"""How each scored edit ended: the outcomes that let the service measure itself in use.

Every edit scored from the stream is recorded with the model version that scored it; a revert
detector fed by the same stream decides, once the edit's label window closes, whether it was
reverted, by whom and after how long. Scores and outcomes live in the feedback database, beside
patrollers' judgments, so observed quality and the promotion gate read one place.
"""
