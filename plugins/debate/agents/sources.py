"""Source agents: topics to debate, and responses to score, from the reference's files or plain JSONL."""

from __future__ import annotations

from dataclasses import asdict
from typing import ClassVar, Iterator

from synthloom import Agent, Context, FileSourceConfig, Message, Row, messages_from_file
from synthloom.plugins.debate.formats import response_row, topic_row
from synthloom.plugins.debate.kinds import Response, Topic


class _FileSource(Agent):
    """A source reading one message per usable row of its file."""

    Config = FileSourceConfig
    objects: ClassVar[bool] = True

    def convert(self, row: Row) -> Message:
        raise NotImplementedError

    def produce(self, ctx: Context) -> Iterator[Message]:
        return messages_from_file(ctx, self.config, self.convert, objects=self.objects)


class LoadTopics(_FileSource):
    """Reads debate topics (the reference's topic list or per-topic arguments, or plain JSONL), one message each."""

    name = "debate.topics"
    produces = (Topic,)
    objects = False

    def convert(self, row: Row) -> Topic:
        parsed = topic_row(row)
        return Topic(topic=parsed.topic, **parsed.arguments)


class LoadResponses(_FileSource):
    """Reads any model's answers to debate test prompts (`topic`, `side`, `response`) to score their
    controllability."""

    name = "debate.responses"
    produces = (Response,)

    def convert(self, row: Row) -> Response:
        return Response(**asdict(response_row(row)))
