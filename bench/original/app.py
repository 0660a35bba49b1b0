"""The original design's ingest endpoint, re-created as the baseline of `npm run bench -- ingest`
(issue 14): FastAPI + a Pydantic model + kafka-python, one send + flush per request, served by uvicorn.
Environment: KAFKA_BROKERS, PINS_TOPIC. Run: bench/.venv/bin/uvicorn app:app --app-dir bench/original."""

import json
import os
from typing import Optional, Union

from fastapi import FastAPI
from kafka import KafkaProducer
from pydantic import BaseModel


class Pin(BaseModel):
    index: Optional[int] = None
    unique_id: str
    title: Optional[str] = None
    description: Optional[str] = None
    poster_name: Optional[str] = None
    follower_count: Optional[Union[str, int]] = None
    tag_list: Optional[str] = None
    is_image_or_video: Optional[str] = None
    image_src: Optional[str] = None
    downloaded: Optional[int] = None
    save_location: Optional[str] = None
    category: Optional[str] = None


producer = KafkaProducer(
    bootstrap_servers=os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092").split(","),
    acks="all",
    value_serializer=lambda v: json.dumps(v).encode("utf-8"),
)
topic = os.environ.get("PINS_TOPIC", "pins")
app = FastAPI()


@app.get("/")
def health():
    return {"status": "ok"}


@app.post("/pin/")
def post_pin(pin: Pin):
    producer.send(topic, pin.model_dump())
    producer.flush()
    return {"status": "accepted"}
