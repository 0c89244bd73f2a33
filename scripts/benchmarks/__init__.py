"""Measure what the Mt.Gox integration costs; print a Markdown report.

A report, not a test: it asserts nothing and prints a table of figures, the
targets of issue 4, and under it exactly how each number was obtained, with
the date and the machine.  Everything runs on loopback (127.0.0.1) and the
whole run is bounded (about one to two minutes; the first run also installs
kraken's requirements into a throwaway directory under /tmp, never into
.venv).

Each section is one module here, listed once in :mod:`benchmarks.run`; a
section adds rows to the table and lines to the "how" list of the
:class:`~benchmarks.report.Report`.  Sections that need Home Assistant get the
shared :class:`~benchmarks.harness.Bench` (a real instance, the sandbox in its
own process, an admin session); the others run on their own afterwards.

* **Config entry setup** (:mod:`benchmarks.setup_time`): median, and as a
  multiple of one signed round trip to the sandbox.
* **Requests per refresh** (:mod:`benchmarks.requests`) for 1, 5 and 16
  tracked pairs, by endpoint, from the sandbox's request counters.
* **Event-loop CPU per refresh** (:mod:`benchmarks.refresh_cpu`) with 5 pairs
  and 10 wallets: ``thread_time`` of the thread running Home Assistant's loop
  around the coordinator's refresh.  The sandbox runs in another process, so
  what is measured is Home Assistant and the integration alone.
* **Streaming** (:mod:`benchmarks.stream_pushes`, about 90 s more): a trade
  at the sandbox to the price sensor (p50, p99) beside the same trades' plain
  websocket delivery; loop CPU per ticker push applied beside its floors (a
  bare aiohttp websocket and a bare asyncio protocol on the same trades,
  :mod:`benchmarks.stream_floors`) and per polled refresh; HTTP requests a minute while the stream is healthy beside polling's;
  100 ticker pushes a second for a minute.  The trades come from
  :mod:`benchmarks.stream_load`, a process of its own on the other core.
* **Import time** (:mod:`benchmarks.import_time`) of ``custom_components.mtgox``
  next to core's ``homeassistant.components.kraken`` (with krakenex,
  pykrakenapi and pandas), each in fresh interpreters with ``-X importtime``,
  alternating, median.
* **History import** (:mod:`benchmarks.backfill`, last in Home Assistant: it
  sets the recorder up): setup time with the import on and off; with
  ``--backfill`` also the import of the demo's week (about 7 minutes): time,
  requests, rate-limit blocks, peak memory against a one-day import.
* **Hostile replies** (:mod:`benchmarks.hostile`): gzip bomb, 50 MB body,
  endless body; time to the client's typed error and its peak memory growth,
  from ``scripts/bench_hostile``.
* **Sandbox throughput** (:mod:`benchmarks.sandbox_throughput`):
  ``scripts/bench_sandbox``'s table, run as is.

``load_generator`` and ``aiohttp_servers`` are not sections: they are
``scripts/bench_sandbox``'s load process, run by path on its own core, and the
plain aiohttp servers it measures beside the sandbox.

Home Assistant is a real instance built by the test harness's
``async_test_home_assistant`` (pytest-homeassistant-custom-component) in the
script's own event loop: no pytest, so no socket blocking, coverage or
fixture teardown checks to work around, and the loop whose CPU time is
measured is plainly the process's main thread.

    scripts/bench [--refreshes 50] [--setups 7] [--import-runs 3] [--backfill]
                  [--stream-trades 200] [--flood-seconds 60] [--only SECTION]

``--only backfill`` (repeatable; a section's function name) re-measures one
section alone, e.g. ``scripts/bench --only backfill --setups 15``.
"""
