"""The MQTT sink: events through a durable outbox, retained state, stats, commands, HA discovery.

Threads: ``on_event``/``on_state``/``on_stats`` run on the daemon's output
thread and only commit to the outbox or enqueue; paho's loop thread handles
the network and calls back; one pump thread of ours publishes outbox rows in
order (at most ``mqtt.inflight`` unacknowledged) and deletes each row when its
PUBACK arrives. paho callbacks only enqueue, so our code never holds a lock
that paho's own locks wait on. API: https://eclipse.dev/paho/files/paho.mqtt.python/html/client.html
"""

from __future__ import annotations

import json
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from edge.control import Controller
from edge.errors import SinkError
from edge.events.model import DeviceState, Event
from edge.sinks.backlog import Backlog, DurableSink
from edge.sinks.mqtt.config import MqttConfig
from edge.sinks.mqtt.messages import OFFLINE, ONLINE, Topics, discovery_messages, parse_command
from edge.sinks.mqtt.outbox import Outbox
from edge.sinks.status import StatusReporter, ignore_status

logger = logging.getLogger(__name__)

Job = tuple[str, Any]

CLOSE_DRAIN_S = 2.0  # at close, wait this long for PUBACKs of queued events while connected
#: At start, stored events from this long before the outbox's newest queued event on are checked for a missing one.
RECONCILE_WINDOW_S = 3600.0
#: Home Assistant births within this window re-publish discovery once (a restarting HA may send several).
DISCOVERY_DEBOUNCE_S = 1.0


def make_client(config: MqttConfig, device_id: str, environ: Mapping[str, str] | None = None) -> Any:
    """A configured paho client (not yet connected): will, credentials, TLS, backoff."""
    from paho.mqtt.client import Client, MQTTv311
    from paho.mqtt.enums import CallbackAPIVersion

    topics = Topics(config.topic_prefix, device_id, config.discovery_prefix)
    client = Client(
        CallbackAPIVersion.VERSION2, client_id=config.client_id or f"glimpse-{device_id}", protocol=MQTTv311
    )
    client.will_set(topics.availability, OFFLINE, qos=1, retain=True)
    if config.username:
        client.username_pw_set(config.username, config.password(environ))
    if config.tls.enabled:
        tls = config.tls
        try:
            client.tls_set(
                ca_certs=str(tls.ca_file) if tls.ca_file else None,
                certfile=str(tls.cert_file) if tls.cert_file else None,
                keyfile=str(tls.key_file) if tls.key_file else None,
            )
        except (OSError, ValueError) as exc:
            raise SinkError(f"mqtt.tls: cannot load certificates ({exc}); expected readable PEM files") from exc
        client.tls_insecure_set(tls.insecure)
    client.reconnect_delay_set(config.reconnect_min_s, config.reconnect_max_s)
    client.max_inflight_messages_set(config.inflight + 16)
    return client


class MqttSink(DurableSink):
    """Publishes to ``<prefix>/<device>/...``; see docs/outputs.md for topics and payloads.

    Usage::

        with MqttSink(config.mqtt, "kiosk-1", controller) as sink:
            sink.on_event(event)          # durable once this returns
            sink.flush(timeout_s=5)       # tests: wait for every PUBACK
    """

    name = "mqtt"

    def __init__(
        self,
        config: MqttConfig,
        device_id: str,
        controller: Controller | None = None,
        *,
        outbox_path: Path | None = None,
        client_factory: Callable[[MqttConfig, str], Any] = make_client,
        backfill: Callable[[float], list[Event]] | None = None,
        on_connection: StatusReporter = ignore_status,
    ) -> None:
        self._config = config
        self._on_connection = on_connection  # told True/False on every (dis)connect, from paho's thread
        self._controller = controller
        self.topics = Topics(config.topic_prefix, device_id, config.discovery_prefix)
        self._outbox = Outbox(outbox_path or config.outbox_path, config.outbox_max_events)
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._connected = threading.Event()
        self._inflight: dict[int, int] = {}  # paho mid -> outbox seq; pump thread only
        self._last_sent = 0
        self._state_json: str | None = None
        self._last_stats = -float("inf")
        self._closed = False
        self.delivered = 0
        self.rejected_commands = 0
        self.connect_failures = 0
        self._discovery_due: float | None = None  # set by paho's thread on HA's birth, cleared by the pump
        self.discovery_published = 0
        self._clearing: set[str] = set()  # command topics whose retained message we cleared; paho thread only
        self._outage: str | None = None  # the reason last logged for the current outage; paho thread only
        self._outage_since = 0.0
        self.backlog = Backlog(self.name, str(self._outbox.path), self._queue_event, (SinkError,))
        try:
            if backfill is not None:
                self._requeue(backfill)
            self._client = client_factory(config, device_id)
        except BaseException:
            self._outbox.close()
            raise
        self._client.on_connect = self._on_connect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        self._pump = threading.Thread(target=self._pump_loop, name="mqtt-outbox", daemon=True)
        self._on_connection(False)
        self._pump.start()
        self._client.connect_async(config.host, config.port, config.keepalive_s)
        self._client.loop_start()

    def _requeue(self, backfill: Callable[[float], list[Event]]) -> None:
        """Queue stored events that never reached the outbox (a crash between the store and outbox writes).

        Only events that could really be missing are looked at: those stored since shortly before the newest
        event the outbox ever queued (events are queued within seconds of being stored). Scanning everything
        since the outbox was created re-sent weeks of acknowledged events once their ids had been forgotten.
        """
        last = self._outbox.last_queued
        since = (
            self._outbox.created - 60.0 if last is None else max(self._outbox.created - 60.0, last - RECONCILE_WINDOW_S)
        )
        events = backfill(since)
        missing = set(self._outbox.never_queued([e.id for e in events]))
        for event in events:
            if event.id in missing:
                self.backlog.submit(event)  # a full disk at start keeps it in memory instead of failing the start
        if missing:
            logger.warning(
                "re-queued %d stored event(s) that never reached the MQTT outbox (the daemon stopped between "
                "the two writes)",
                len(missing),
            )

    # --- output thread -------------------------------------------------------------------------------
    def _queue_event(self, event: Event) -> None:
        """Commit one event to the outbox (raises :class:`SinkError`: the backlog keeps it) and wake the pump."""
        self._outbox.add(event.id, self.topics.events, event.model_dump_json())
        self._jobs.put(("fill", None))

    @property
    def failures(self) -> int:
        """Events that never reached the outbox (the backlog overflowed, or still waited at close)."""
        return self.backlog.dropped

    def on_state(self, state: DeviceState) -> None:
        self._state_json = state.model_dump_json()
        self._jobs.put(("state", None))

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        self.backlog.retry()
        now = time.monotonic()
        if now - self._last_stats < self._config.stats_interval_s:
            return
        self._last_stats = now
        payload = {**stats, "mqtt_outbox": self.pending(), "mqtt_delivered": self.delivered}
        self._jobs.put(("stats", json.dumps(payload, default=str)))

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def pending(self) -> int:
        """Events in the outbox (not yet acknowledged by the broker)."""
        try:
            return self._outbox.count()
        except SinkError:
            return 0

    def flush(self, timeout_s: float) -> bool:
        """Wait until the broker has acknowledged every queued event; True when the outbox is empty."""
        deadline = time.monotonic() + timeout_s
        while self.pending() > 0:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        if self._closed:
            return
        self.backlog.close()
        if self.connected:
            self.flush(CLOSE_DRAIN_S)  # a clean stop delivers what it can; the rest waits in the outbox
        self._closed = True
        self._jobs.put(("stop", None))
        self._pump.join(timeout=2.0)
        if self.connected:
            try:
                info = self._client.publish(self.topics.availability, OFFLINE, qos=1, retain=True)
                info.wait_for_publish(timeout=1.0)
            except (RuntimeError, ValueError) as exc:
                logger.warning("MQTT offline message not sent: %s", exc)
        self._client.disconnect()
        self._client.loop_stop()
        self._log_pending_at_close()
        self._outbox.close()

    def _log_pending_at_close(self) -> None:
        left = self.pending()
        if left:
            logger.warning(
                "MQTT closing with %d event(s) not acknowledged by %s:%d; they stay in the outbox %s "
                "and are sent after the next start",
                left,
                self._config.host,
                self._config.port,
                self._outbox.path,
            )
        else:
            logger.info("MQTT closed: every event delivered (outbox %s is empty)", self._outbox.path)

    # --- paho loop thread: only enqueue or hand commands to the controller ---------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            self._outage_begins(f"the broker refused the connection: {reason_code}")
            return
        if self._outage is not None:
            logger.info(
                "MQTT connected to %s:%d again after %.0f s; %d event(s) waiting in the outbox",
                self._config.host,
                self._config.port,
                time.monotonic() - self._outage_since,
                self.pending(),
            )
        else:
            logger.info("MQTT connected to %s:%d", self._config.host, self._config.port)
        self._outage = None
        client.subscribe([(self.topics.commands, 1), (self.topics.ha_status, 1)])
        self._connected.set()
        self._on_connection(True)
        self._jobs.put(("connected", None))

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        # paho calls this from inside its ``except OSError`` around reconnect() (paho-mqtt 2.x
        # Client.loop_forever), so the exception being handled is the reason; it passes none itself.
        self.connect_failures += 1
        exc = sys.exc_info()[1]
        self._outage_begins(f"cannot connect: {exc}" if exc is not None else "cannot connect")

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        self._connected.clear()
        self._on_connection(False)
        if not self._closed:
            self._outage_begins(f"disconnected: {reason_code}")

    def _outage_begins(self, reason: str) -> None:
        """One warning per outage (and again only if the reason changes), not one per reconnect attempt."""
        if self._closed:
            return
        if self._outage is None:
            self._outage_since = time.monotonic()
        elif self._outage == reason:
            return
        self._outage = reason
        logger.warning(
            "MQTT broker %s:%d unreachable (%s); events wait in the outbox %s, retrying every %d-%d s",
            self._config.host,
            self._config.port,
            reason,
            self._outbox.path,
            self._config.reconnect_min_s,
            self._config.reconnect_max_s,
        )

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason_code: Any, properties: Any) -> None:
        self._jobs.put(("ack", mid))

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        topic = str(message.topic)
        payload = bytes(message.payload)
        if topic == self.topics.ha_status:
            if payload.strip().lower() == ONLINE.encode() and self._discovery_due is None:
                self._discovery_due = time.monotonic() + DISCOVERY_DEBOUNCE_S
            return
        if topic in self._clearing and not payload:
            self._clearing.discard(topic)  # the broker echoing our own clearing of a retained command
            return
        if message.retain:
            # A retained command is replayed by the broker on every (re)connect, long after whoever sent it:
            # obeying it would lift a privacy pause at each reconnect. Ignore it and remove it from the broker.
            self.rejected_commands += 1
            logger.warning(
                "ignored retained MQTT command on %r (%d bytes): commands must not be retained; clearing it",
                topic,
                len(payload),
            )
            self._clearing.add(topic)
            self._jobs.put(("clear", topic))
            return
        self._command(topic, payload)

    def _command(self, topic: str, payload: bytes) -> None:
        feature = topic.rsplit("/", 1)[-1]
        action, reason = parse_command(feature, payload)
        if action == "resume" and not self._config.allow_resume:
            action, reason = None, "resuming over MQTT is off (mqtt.allow_resume = false); resume on the device"
        if action is None:
            self.rejected_commands += 1
            logger.warning("rejected MQTT command on %r: %s", topic, reason)
            return
        if self._controller is None:
            logger.warning("MQTT command %r ignored: no controller", action)
            return
        try:
            if action == "pause":
                self._controller.pause("mqtt")
            else:
                self._controller.resume("mqtt")
        except Exception:  # a listener's failure must not kill paho's loop thread
            logger.exception("MQTT command %r failed", action)

    # --- pump thread ---------------------------------------------------------------------------------
    def _pump_loop(self) -> None:
        while True:
            try:
                kind, arg = self._jobs.get(timeout=0.5)
            except queue.Empty:
                kind, arg = "fill", None
            if kind == "stop":
                return
            try:
                self._handle(kind, arg)
                due = self._discovery_due
                if due is not None and time.monotonic() >= due:
                    self._discovery_due = None
                    self._publish_discovery()
                self._fill()
            except Exception:  # keep pumping: the outbox still holds every event
                logger.exception("MQTT pump step %r failed", kind)

    def _handle(self, kind: str, arg: Any) -> None:
        if kind == "ack":
            seq = self._inflight.pop(int(arg), None)
            if seq is not None:
                self._outbox.delete(seq)
                self.delivered += 1
        elif kind == "connected":
            self._publish(self.topics.availability, ONLINE, retain=True)
            self._publish_discovery()
            self._publish_state()
        elif kind == "state":
            self._publish_state()
        elif kind == "stats":
            self._publish(self.topics.stats, str(arg), qos=0)
        elif kind == "clear":
            self._publish(str(arg), "", retain=True)  # an empty retained message deletes the retained one

    def _publish(self, topic: str, payload: str, *, qos: int = 1, retain: bool = False) -> None:
        if self.connected:
            self._client.publish(topic, payload, qos=qos, retain=retain)

    def _publish_state(self) -> None:
        if self._state_json is not None:
            self._publish(self.topics.state, self._state_json, qos=self._config.qos, retain=True)

    def _publish_discovery(self) -> None:
        if self._config.discovery and self.connected:
            self.discovery_published += 1
            for topic, payload in discovery_messages(self.topics):
                self._publish(topic, payload, retain=True)

    def _fill(self) -> None:
        """Hand the next outbox rows to paho, in order, keeping at most ``inflight`` unacknowledged."""
        room = self._config.inflight - len(self._inflight)
        if room <= 0 or not self.connected:
            return
        for seq, topic, payload in self._outbox.pending(after=self._last_sent, limit=room):
            info = self._client.publish(topic, payload, qos=self._config.qos)
            if info.rc not in (0, 4):  # 0 success; 4 NO_CONN: paho keeps QoS>0 and sends it on reconnect
                logger.warning("MQTT publish of outbox row %d deferred: rc=%s", seq, info.rc)
                return
            self._inflight[info.mid] = seq
            self._last_sent = seq
