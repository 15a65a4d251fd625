"""Write the report's blocks as one self-contained HTML page: inline CSS, figures as base64 PNG, no scripts."""

import base64
import html
import re

from edgesr.report import document as doc

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1240px;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #bbb; padding-bottom: .1em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
tr:nth-child(even) td { background: #fafafa; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f5f5f5; padding: .7em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
figure { margin: 1em 0 2em; }
figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 13px; color: #444; }
.note { font-size: 12px; color: #555; font-style: italic; }
"""


def inline(text):
    """Escape ``text`` and turn its `code` and **bold** spans into HTML."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def _table(block):
    head = "".join("<th>%s</th>" % html.escape(h) for h in block.header)
    body = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(c) for c in row) for row in block.rows)
    note = '<p class="note">%s</p>' % inline(block.note) if block.note else ""
    return "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>%s" % (head, body, note)


def _figure(block):
    figure = block.figure
    data = base64.b64encode(figure.png).decode("ascii")
    return ('<figure id="%s"><img src="data:image/png;base64,%s" alt="%s"><figcaption>%s</figcaption></figure>'
            % (html.escape(figure.name), data, html.escape(figure.title), inline(figure.caption)))


def _block(block):
    if isinstance(block, doc.Heading):
        return "<h%d>%s</h%d>" % (block.level, inline(block.text), block.level)
    if isinstance(block, doc.Text):
        return "<p>%s</p>" % inline(block.text)
    if isinstance(block, doc.Code):
        return "<pre><code>%s</code></pre>" % html.escape(block.text, quote=False)
    if isinstance(block, doc.Items):
        return "<ul>%s</ul>" % "".join("<li>%s</li>" % inline(item) for item in block.items)
    if isinstance(block, doc.Table):
        return _table(block)
    if isinstance(block, doc.FigureBlock):
        return _figure(block)
    raise TypeError("no HTML for %r" % (block,))


def render(blocks, title="edge-SR speed–quality report"):
    """The HTML text of the report."""
    body = "\n".join(_block(b) for b in blocks)
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>%s</title>\n'
            '<style>%s</style>\n</head>\n<body>\n%s\n</body>\n</html>\n' % (html.escape(title), _STYLE, body))
