"""The portfolio benchmark (``benchmarks/run.py --only batch``): a synthetic year of incident tickets
evaluated by ``kb batch`` locally and on a Dask cluster.

Prints ``batch local: N records in X s`` (the default local process pool, one worker per CPU) and
``batch dask: N records in Y s`` (a ``distributed.LocalCluster`` of 2 worker processes, started
before the clock runs), then, indented: whether both results files are identical, the failed
records (0), the CPU time and the peak memory (resident set size, sampled every 50 ms) of the parent process
and of the largest pool worker during the local run. Records are read from a CSV file and results
written to CSV as they come: memory does not grow with N. N is 100,000 (``KB_BATCH_RECORDS``
overrides it; the quick run uses 2,000).
"""
from __future__ import annotations

import filecmp
import os
import tempfile
import threading
import time
from pathlib import Path

QUERIES = ["liable(jd_cloud, B)", "exempt_from_liability(jd_cloud, B)", "recoverable_amount(B, A)"]


class _PeakRss:
    """Samples the resident set size of this process and its children until stopped."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self.me = psutil.Process()
        self.parent = self.children = 0
        self.cpu: dict[int, float] = {}  # pid -> its last sampled user + system seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                self.parent = max(self.parent, self.me.memory_info().rss)
                for proc in [self.me, *self.me.children(recursive=True)]:
                    try:
                        if proc is not self.me:
                            self.children = max(self.children, proc.memory_info().rss)
                        times = proc.cpu_times()
                        self.cpu[proc.pid] = times.user + times.system
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self._stop.wait(interval)

    def __enter__(self):
        times = self.me.cpu_times()
        self.cpu_before = times.user + times.system
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def batch_figures(quick: bool = False) -> None:
    """Print the batch figures (see the module doc)."""
    from kb.batch import run_batch
    from kb.tickets import ticket_mapping_file, write_tickets

    count = 2_000 if quick else int(os.environ.get("KB_BATCH_RECORDS", "100000"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records = write_tickets(folder / "tickets.csv", count, seed=2026)
        mapping = ticket_mapping_file(folder)
        local_out, dask_out = folder / "local.csv", folder / "dask.csv"
        with _PeakRss() as rss:
            t = time.perf_counter()
            _, done, failed = run_batch(records, mapping, QUERIES, out=local_out, keep=False)
            local = time.perf_counter() - t
        cpu = sum(rss.cpu.values()) - rss.cpu_before  # user + system seconds of this process and its workers
        print(f"batch local: {done} records in {local:.1f} s")

        import distributed

        with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                      silence_logs=40) as cluster, distributed.Client(cluster) as client:
            t = time.perf_counter()
            _, dask_done, dask_failed = run_batch(records, mapping, QUERIES, client=client, out=dask_out, keep=False)
            on_dask = time.perf_counter() - t
            dask_rss = max(client.run(lambda: __import__("psutil").Process().memory_info().rss).values())
        print(f"batch dask: {dask_done} records in {on_dask:.1f} s")
        same = filecmp.cmp(local_out, dask_out, shallow=False)
        print(f"  {len(QUERIES)} queries per record; local and dask results identical: {same}; "
              f"failed records: {failed} local, {dask_failed} dask")
        print(f"  local run: {cpu:.1f} s of CPU (this process and its {os.cpu_count()} workers; load average "
              f"{os.getloadavg()[0]:.1f}); peak memory: parent {rss.parent / 2**20:.0f} MB, largest worker "
              f"{rss.children / 2**20:.0f} MB")
        print(f"  dask run: largest worker {dask_rss / 2**20:.0f} MB at the end (Dask workers are not replaced: "
              f"clingo keeps its symbols until the process ends)")
