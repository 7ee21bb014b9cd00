"""AIチャット: knowledge base (kb/), retrieval (engine.py); questions are masked by clickar.ops.masking.

Pure Python, no Flask: the web layer calls ``get_engine().ask(question)``.
"""
