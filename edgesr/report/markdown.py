"""Write the report's blocks as GitHub-flavoured Markdown; figures are PNG files beside the page."""

from edgesr.report import document as doc


def _cell(text):
    return str(text).replace("\n", " ").replace("|", "\\|")


def _table(block):
    lines = ["| " + " | ".join(_cell(h) for h in block.header) + " |",
             "|" + "|".join("---" for _ in block.header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
    if block.note:
        lines += ["", "_%s_" % block.note]
    return "\n".join(lines)


def _figure(block):
    figure = block.figure
    return "![%s](%s.png)\n\n%s" % (figure.title, figure.name, figure.caption)


def render(blocks):
    """The Markdown text of the report."""
    parts = []
    for block in blocks:
        if isinstance(block, doc.Heading):
            parts.append("#" * block.level + " " + block.text)
        elif isinstance(block, doc.Text):
            parts.append(block.text)
        elif isinstance(block, doc.Code):
            parts.append("```bash\n%s\n```" % block.text)
        elif isinstance(block, doc.Items):
            parts.append("\n".join("- " + item for item in block.items))
        elif isinstance(block, doc.Table):
            parts.append(_table(block))
        elif isinstance(block, doc.FigureBlock):
            parts.append(_figure(block))
        else:
            raise TypeError("no Markdown for %r" % (block,))
    return "\n\n".join(parts) + "\n"
