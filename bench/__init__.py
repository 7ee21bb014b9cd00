"""Benchmark and evaluation tooling: `make bench`, `make bench-scale`, `make eval-chat`.

Never imported by clickar/ and never in the image (.dockerignore).

    run.py        the `make bench` table and `make bench-scale` (python -m bench)
    people.py     synthetic people: contract rows, what they type, contracts CSVs
    matching.py   the matching's CPU per contract
    chat.py       AIチャット latency rows
    eval_chat.py  the AIチャット evaluation (`make eval-chat`)
    flyers.py     the flyer console's in-process rows
"""
