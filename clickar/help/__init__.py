"""AIチャット: knowledge base (kb/), retrieval (engine.py), masking (masking.py).

Pure Python, no Flask: the web layer calls ``get_engine().ask(question)``.
"""
