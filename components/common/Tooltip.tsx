"use client";
import {
  cloneElement,
  useEffect,
  useId,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  type ReactElement,
  type ReactNode,
} from "react";
import { createPortal } from "react-dom";
import Box from "@mui/material/Box";

type ChildProps = {
  "aria-label"?: string;
  onMouseEnter?: (e: MouseEvent) => void;
  onMouseLeave?: (e: MouseEvent) => void;
  onFocus?: (e: FocusEvent) => void;
  onBlur?: (e: FocusEvent) => void;
  onKeyDown?: (e: KeyboardEvent) => void;
};

const GAP = 8;

/**
 * A hint on hover or keyboard focus, in MUI's tooltip style, without MUI's Tooltip: that brings Popper.js (about 15 KB
 * gzip) to every page, and wrapping a child in it late (to load it on demand) would replace the child's DOM node under
 * the pointer. The child is never re-wrapped; the hint is a sibling in a portal, placed below the child (above it when
 * there is no room), and closes on leave, blur, Escape or scroll. As MUI does, a string title also names the child
 * (aria-label) unless it names itself.
 */
export function Tooltip({ title, children }: { title: ReactNode; children: ReactElement<ChildProps> }) {
  const [anchor, setAnchor] = useState<DOMRect | null>(null);
  const id = useId();
  const own = children.props;
  const empty = title === "" || title === null || title === undefined || title === false;

  const close = () => setAnchor(null);
  const openAt = (el: Element) => {
    if (!empty) setAnchor(el.getBoundingClientRect());
  };
  useEffect(() => {
    if (!anchor) return;
    window.addEventListener("scroll", close, true);
    window.addEventListener("resize", close);
    return () => {
      window.removeEventListener("scroll", close, true);
      window.removeEventListener("resize", close);
    };
  }, [anchor]);

  const child = cloneElement(children, {
    "aria-label": own["aria-label"] ?? (typeof title === "string" && title ? title : undefined),
    onMouseEnter: (e: MouseEvent) => {
      own.onMouseEnter?.(e);
      openAt(e.currentTarget);
    },
    onMouseLeave: (e: MouseEvent) => {
      own.onMouseLeave?.(e);
      close();
    },
    onFocus: (e: FocusEvent) => {
      own.onFocus?.(e);
      // As MUI does: a hint opens for keyboard focus, not for a click or a focus moved by script.
      if ((e.target as Element).matches?.(":focus-visible")) openAt(e.currentTarget);
    },
    onBlur: (e: FocusEvent) => {
      own.onBlur?.(e);
      close();
    },
    onKeyDown: (e: KeyboardEvent) => {
      own.onKeyDown?.(e);
      if (e.key === "Escape") close();
    },
  });
  if (!anchor) return child;
  const below = anchor.bottom + GAP + 40 < window.innerHeight;
  return (
    <>
      {child}
      {createPortal(
        <Box
          role="tooltip"
          id={id}
          sx={(t) => ({
            position: "fixed",
            zIndex: t.zIndex.tooltip,
            left: Math.min(Math.max(anchor.left + anchor.width / 2, 8), window.innerWidth - 8),
            top: below ? anchor.bottom + GAP : anchor.top - GAP,
            transform: `translate(-50%, ${below ? "0" : "-100%"})`,
            maxWidth: 300,
            px: 1,
            py: 0.5,
            borderRadius: 1,
            bgcolor: "grey.700",
            color: "common.white",
            typography: "caption",
            lineHeight: 1.4,
            pointerEvents: "none",
            wordWrap: "break-word",
          })}
        >
          {title}
        </Box>,
        document.body,
      )}
    </>
  );
}
