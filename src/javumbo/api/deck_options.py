"""The schema of a deck options preset as Anki stores it (``col.dconf``), key for key.

Anki's own camelCase names are kept: the preset is answered and changed as it is stored, so an
option has one name from the collection file to the web app. A change names only the options it
sets (``{"new": {"perDay": 5}}``); ``id``, ``mod`` and ``usn`` are the store's, not the user's.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String


class NewCardOptionsSchema(Schema):
    bury = Boolean()
    delays = List(Float(), metadata={"description": "learning steps, in minutes"})
    initialFactor = Integer(metadata={"description": "starting ease, permille"})
    ints = List(Integer(), metadata={"description": "graduating, easy and unused interval"})
    order = Integer(metadata={"description": "0 random, 1 in order added"})
    perDay = Integer(metadata={"description": "new cards per day"})


class ReviewOptionsSchema(Schema):
    bury = Boolean()
    ease4 = Float(metadata={"description": "easy bonus"})
    ivlFct = Float(metadata={"description": "interval modifier"})
    maxIvl = Integer(metadata={"description": "maximum interval, days"})
    perDay = Integer(metadata={"description": "reviews per day"})
    hardFactor = Float(metadata={"description": "hard interval"})


class LapseOptionsSchema(Schema):
    delays = List(Float(), metadata={"description": "relearning steps, in minutes"})
    leechAction = Integer(metadata={"description": "0 suspend, 1 tag only"})
    leechFails = Integer(metadata={"description": "leech threshold"})
    minInt = Integer(metadata={"description": "minimum interval, days"})
    mult = Float(metadata={"description": "new interval"})


class DeckOptionsChangesSchema(Schema):
    """Options a preset change may set; each must already exist in the preset."""

    name = String()
    maxTaken = Integer()
    autoplay = Boolean()
    timer = Integer()
    replayq = Boolean()
    new = Nested(NewCardOptionsSchema)
    rev = Nested(ReviewOptionsSchema)
    lapse = Nested(LapseOptionsSchema)
    dyn = Boolean()
    newMix = Integer()
    newPerDayMinimum = Integer()
    interdayLearningMix = Integer()
    reviewOrder = Integer()
    newSortOrder = Integer()
    newGatherPriority = Integer()
    buryInterdayLearning = Boolean()
    fsrsWeights = List(Float())
    fsrsParams5 = List(Float())
    fsrsParams6 = List(Float())
    desiredRetention = Float()
    ignoreRevlogsBeforeDate = String()
    easyDaysPercentages = List(Float())
    stopTimerOnAnswer = Boolean()
    secondsToShowQuestion = Float()
    secondsToShowAnswer = Float()
    questionAction = Integer()
    answerAction = Integer()
    waitForAudio = Boolean()
    sm2Retention = Float()
    weightSearch = String()


class DeckOptionsSchema(DeckOptionsChangesSchema):
    """A whole preset (older collections may lack the newer keys)."""

    id = Integer(required=True)
    mod = Integer()
    usn = Integer()
