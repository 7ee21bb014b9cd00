"""The help chat's knowledge base: one TOML file per topic in ``kb/``.

A topic file holds::

    id = "F09"
    title = "仮登録メールが届かない"
    keywords = ["仮登録メール", "迷惑メール", ...]
    links = [ { label = "…", url = "/mypage/register/sent" } ]
    answer = '''
    Plain Japanese text in a small, safe markdown: paragraphs separated by a
    blank line, "- " bullet lists, "1. " numbered lists, **bold**, and links
    written [label](/path) to the app's own pages only.
    '''

Placeholders filled in at render time: ``{insurer}``, ``{agency_name}``,
``{agency_contact}``, ``{insurer_contact}``, ``{accident_contact}``.
Everything is HTML-escaped before the few allowed tags are added.
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

KB_DIR = Path(__file__).with_name("kb")

TOPIC_IDS = tuple(f"F{i:02d}" for i in range(1, 26))

# the pages of the app an answer may link to (relative URLs only)
ALLOWED_LINKS = frozenset(
    {
        "/mypage/",
        "/mypage/login",
        "/mypage/register/",
        "/mypage/register/sent",
        "/mypage/password/forgot",
        "/mypage/settings/",
        "/mypage/settings/devices",
        "/help/chat",
    }
)

REQUIRED_FIELDS = ("id", "title", "keywords", "answer", "links")
_ID_RE = re.compile(r"^F\d{2}$")


class KnowledgeBaseError(ValueError):
    pass


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    keywords: tuple[str, ...]
    answer: str
    links: tuple[Link, ...] = field(default_factory=tuple)
    source: str = ""

    @property
    def plain_answer(self) -> str:
        """The answer without markup, for indexing."""
        text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", self.answer)
        return text.replace("**", "")


def load_topic(path: Path) -> Topic:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeBaseError(f"{path.name}: {exc}") from exc
    missing = [f for f in REQUIRED_FIELDS if f not in data]
    if missing:
        raise KnowledgeBaseError(f"{path.name}: missing {', '.join(missing)}")
    topic_id = data["id"]
    if not isinstance(topic_id, str) or not _ID_RE.match(topic_id):
        raise KnowledgeBaseError(f"{path.name}: id must look like F01")
    if path.stem != topic_id:
        raise KnowledgeBaseError(f"{path.name}: file name must be {topic_id}.toml")
    title, answer, keywords = data["title"], data["answer"], data["keywords"]
    if not isinstance(title, str) or not title.strip():
        raise KnowledgeBaseError(f"{path.name}: title must be a non-empty string")
    if not isinstance(answer, str) or not answer.strip():
        raise KnowledgeBaseError(f"{path.name}: answer must be a non-empty string")
    if not isinstance(keywords, list) or not keywords or not all(
        isinstance(k, str) and k.strip() for k in keywords
    ):
        raise KnowledgeBaseError(f"{path.name}: keywords must be a non-empty list of strings")
    links = []
    for item in data["links"]:
        if not isinstance(item, dict) or not isinstance(item.get("label"), str) or not isinstance(
            item.get("url"), str
        ):
            raise KnowledgeBaseError(f"{path.name}: each link needs a label and a url")
        if item["url"] not in ALLOWED_LINKS:
            raise KnowledgeBaseError(f"{path.name}: link {item['url']!r} is not an app page")
        links.append(Link(item["label"], item["url"]))
    for url in re.findall(r"\]\(([^)]*)\)", answer):
        if url not in ALLOWED_LINKS:
            raise KnowledgeBaseError(f"{path.name}: answer links to {url!r}, not an app page")
    return Topic(
        id=topic_id,
        title=title.strip(),
        keywords=tuple(k.strip() for k in keywords),
        answer=answer.strip(),
        links=tuple(links),
        source=path.name,
    )


def load_topics(directory: Path | str | None = None) -> list[Topic]:
    directory = Path(directory) if directory is not None else KB_DIR
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise KnowledgeBaseError(f"no topics in {directory}")
    topics = [load_topic(p) for p in paths]
    seen: set[str] = set()
    for t in topics:
        if t.id in seen:
            raise KnowledgeBaseError(f"duplicate topic id {t.id}")
        seen.add(t.id)
    return topics


# --------------------------------------------------------------------------
# rendering: restricted markdown → safe HTML

_PHONE_RE = re.compile(r"(?<![\d-])(0\d{1,4}-\d{1,4}-\d{3,4})(?![\d-])")
_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} placeholders; unknown names are left untouched."""
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def tel_link(escaped: str) -> str:
    """Turn phone numbers in already-escaped text into tel: links."""
    return _PHONE_RE.sub(
        lambda m: f'<a href="tel:{m.group(1).replace("-", "")}">{m.group(1)}</a>', escaped
    )


def inline(text: str) -> str:
    """Escape one line of text, then allow **bold**, [label](/app-path) and phone links."""
    out = []
    pos = 0
    for m in _LINK_RE.finditer(text):
        out.append(_inline_plain(text[pos : m.start()]))
        label, url = m.group(1), m.group(2)
        if url in ALLOWED_LINKS:
            out.append(f'<a href="{html.escape(url)}">{_inline_plain(label, phones=False)}</a>')
        else:
            out.append(_inline_plain(label))
        pos = m.end()
    out.append(_inline_plain(text[pos:]))
    return "".join(out)


def _inline_plain(text: str, phones: bool = True) -> str:
    escaped = html.escape(text, quote=True)
    escaped = _BOLD_RE.sub(r"<strong>\1</strong>", escaped)
    return tel_link(escaped) if phones else escaped


_BULLET = re.compile(r"^\s*[-・*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def render_markdown(text: str) -> str:
    """Paragraphs, bullet and numbered lists, bold and app links — nothing else."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush_para():
        if para:
            blocks.append("<p>" + "<br>".join(inline(line) for line in para) + "</p>")
            para.clear()

    def flush_list():
        nonlocal list_tag
        if items:
            blocks.append(f"<{list_tag}>" + "".join(f"<li>{inline(i)}</li>" for i in items) + f"</{list_tag}>")
            items.clear()
        list_tag = ""

    for raw in text.strip().splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush_para()
            flush_list()
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            tag = "ul" if bullet else "ol"
            flush_para()
            if list_tag and list_tag != tag:
                flush_list()
            list_tag = tag
            items.append((bullet or numbered).group(1))
        else:
            flush_list()
            para.append(line.strip())
    flush_para()
    flush_list()
    return "".join(blocks)


def render_links(links: tuple[Link, ...] | list[Link]) -> str:
    safe = [l for l in links if l.url in ALLOWED_LINKS]
    if not safe:
        return ""
    lis = "".join(
        f'<li><a href="{html.escape(l.url)}">{html.escape(l.label)}</a></li>' for l in safe
    )
    return f'<ul class="chat-links">{lis}</ul>'
