// The step preview: the tree of markdown.ts as React elements (text is always text; links only to safe targets).
import { Fragment, type ReactNode } from "react";
import { parseMarkdown, type Block, type Inline } from "./markdown";

function inline(nodes: Inline[]): ReactNode[] {
  return nodes.map((node, i) => {
    switch (node.t) {
      case "text":
        return <Fragment key={i}>{node.v}</Fragment>;
      case "strong":
        return <strong key={i}>{inline(node.c)}</strong>;
      case "em":
        return <em key={i}>{inline(node.c)}</em>;
      case "del":
        return <del key={i}>{inline(node.c)}</del>;
      case "code":
        return <code key={i}>{node.v}</code>;
      case "br":
        return <br key={i} />;
      case "link":
        return (
          <a key={i} href={node.href} target="_blank" rel="noopener noreferrer">
            {inline(node.c)}
          </a>
        );
      case "var":
        return (
          <span
            key={i}
            className="md-var"
            title={`Filled in per contact${node.fallback ? `; “${node.fallback}” when empty` : ""}`}
          >
            {node.name}
          </span>
        );
    }
  });
}

function block(node: Block, i: number): ReactNode {
  switch (node.t) {
    case "p":
      return <p key={i}>{inline(node.c)}</p>;
    case "h": {
      // Inside the page the preview's headings sit below the step's own heading level.
      const Tag = `h${Math.min(6, node.level + 2)}` as "h3";
      return <Tag key={i}>{inline(node.c)}</Tag>;
    }
    case "ul":
      return (
        <ul key={i}>
          {node.items.map((item, j) => (
            <li key={j}>{inline(item)}</li>
          ))}
        </ul>
      );
    case "ol":
      return (
        <ol key={i} start={node.start}>
          {node.items.map((item, j) => (
            <li key={j}>{inline(item)}</li>
          ))}
        </ol>
      );
    case "quote":
      return <blockquote key={i}>{node.blocks.map(block)}</blockquote>;
    case "pre":
      return (
        <pre key={i}>
          <code>{node.v}</code>
        </pre>
      );
    case "hr":
      return <hr key={i} />;
  }
}

export function Markdown({ source }: { source: string }) {
  return <div className="markdown">{parseMarkdown(source).map(block)}</div>;
}
