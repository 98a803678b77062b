"""The computation graph as text: an indented tree, Graphviz DOT, or Mermaid.

Rendering computes nothing: `shown()` turns a gradcli.learn.explain.GraphData
(raw values and adjoints) into one whose values are display summaries, and the
drawers read that. Every walk uses an explicit stack.
"""
from __future__ import annotations

import dataclasses

from .explanation import summary


def shown(data, precision: int = 6):
    """The same graph with every value, adjoint and value-only label as a summary string."""
    nodes = {}
    for i, node in data.nodes.items():
        label = node.label if node.label is not None else summary(node.value, precision)
        value = summary(node.value, precision) if node.value is not None and node.label is not None else None
        adjoint = summary(node.adjoint, precision) if node.adjoint is not None else None
        nodes[i] = dataclasses.replace(node, label=label, value=value, adjoint=adjoint)
    return dataclasses.replace(data, nodes=nodes)


def _line(node, show_op=True) -> str:
    parts = [node.label]
    if show_op and node.op not in ("input",) and node.label != node.op:
        parts.append(f"[{node.op}]")
    elif node.op == "input":
        parts.append("[input]")
    if node.value is not None:
        parts.append(f"= {node.value}")
    if node.adjoint is not None:
        parts.append(f"(adjoint {node.adjoint})")
    return "  ".join(parts)


_MAX_INDENT = 4 * 24  # columns of tree drawing before a branch restarts at the margin


def tree(data) -> list[str]:
    """Each root with its inputs below it; a node shown before is referenced, not repeated."""
    lines, shown = [], set()
    if data.adjoints_of and any(n.adjoint is not None for n in data.nodes.values()):
        of = " + ".join(data.adjoints_of)
        lines.append(f"(each adjoint is {adjoints_label(data.adjoints_of)}node: the derivative of {of} with respect to that node)")
    for root_label, root_id in data.roots:
        stack = [(root_id, "", "", True)]
        while stack:
            node_id, prefix, branch, is_root = stack.pop()
            node = data.nodes[node_id]
            head = _line(node)
            if is_root and root_label != node.label:
                head = f"{root_label}: {head}"
            if node_id in shown and node.inputs:
                lines.append(f"{prefix}{branch}{node.label}  (#{node_id}, shown above)")
                continue
            shown.add(node_id)
            lines.append(f"{prefix}{branch}{head}" + (f"  #{node_id}" if node.inputs else ""))
            child_prefix = prefix + ("" if is_root else ("    " if branch in ("└── ", "↳ ") else "│   "))
            children = node.inputs
            # a deep chain would indent without end (a 3,000-link chain: 9 MB of spaces);
            # past _MAX_INDENT its nodes continue from the left margin, marked ↳
            deep = len(child_prefix) >= _MAX_INDENT
            for i in reversed(range(len(children))):
                last = i == len(children) - 1
                if deep:
                    stack.append((children[i], "", "↳ ", False))
                else:
                    stack.append((children[i], child_prefix, "└── " if last else "├── ", False))
    return lines


def _dot_escape(text: str) -> str:
    # a plain (not record) label: only backslash, quote and newline are special
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def dot(data) -> str:
    """Graphviz: inputs point at the ops that use them; roots drawn bold."""
    roots = {i for _, i in data.roots}
    out = ["digraph gradcli {", '  rankdir=BT;', '  node [shape=box, fontname="Helvetica"];']
    for node in data.nodes.values():
        label = node.label if node.label == node.op or node.op in ("input", "constant") else f"{node.label}\n{node.op}"
        extra = [x for x in (f"= {node.value}" if node.value is not None else None, f"adjoint {node.adjoint}" if node.adjoint is not None else None) if x]
        if extra:
            label += "\n" + "\n".join(extra)
        style = ', style="rounded,bold"' if node.id in roots else (', style=rounded' if node.op == "input" else "")
        out.append(f'  n{node.id} [label="{_dot_escape(label)}"{style}];')
    for node in data.nodes.values():
        for i in node.inputs:
            out.append(f"  n{i} -> n{node.id};")
    out.append("}")
    return "\n".join(out)


def _mermaid_escape(text: str) -> str:
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;").replace("\n", "<br/>")


def mermaid(data) -> str:
    """Mermaid flowchart: every node declared with a quoted label before any edge."""
    out = ["flowchart BT"]
    for node in data.nodes.values():
        label = node.label if node.label == node.op or node.op in ("input", "constant") else f"{node.label}\n{node.op}"
        if node.value is not None:
            label += f"\n= {node.value}"
        if node.adjoint is not None:
            label += f"\nadjoint {node.adjoint}"
        out.append(f'  n{node.id}["{_mermaid_escape(label)}"]')
    for node in data.nodes.values():
        for i in node.inputs:
            out.append(f"  n{i} --> n{node.id}")
    return "\n".join(out)


def adjoints_label(of) -> str:
    """∂cost/∂, or ∂(a + b)/∂ for several roots."""
    text = " + ".join(of)
    return f"∂{text if len(of) == 1 else '(' + text + ')'}/∂"


def graph_json(data) -> dict:
    return {
        "roots": [{"name": label, "id": i} for label, i in data.roots],
        "adjoints_of": list(data.adjoints_of) if any(n.adjoint is not None for n in data.nodes.values()) else [],
        "nodes": [{"id": n.id, "label": n.label, "name": n.name, "op": n.op, "type": n.shape, "inputs": list(n.inputs), "value": n.value, "adjoint": n.adjoint} for n in data.nodes.values()],
        "edges": [[i, n.id] for n in data.nodes.values() for i in n.inputs],
    }
