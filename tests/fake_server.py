"""`promogen serve` on the fake copywriter as its own process: `fake_server.py DATA PORT DELAY`.

The job-restart test kills this process (SIGKILL) in the middle of a job, the way a server dies.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import canned_pg  # noqa: E402

from promogen import InterestEncoder  # noqa: E402
from promogen.server import ServeConfig, create_app  # noqa: E402

if __name__ == "__main__":
    import uvicorn

    data, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    config = ServeConfig(data_dir=data, port=port, job_batch_size=8)
    app = create_app(canned_pg(InterestEncoder.load(), delay=delay), config, token="")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
