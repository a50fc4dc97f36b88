"use client";
import { lazy, Suspense, type ComponentType, type JSX } from "react";

/**
 * A dialog whose code (MUI's Modal, its transitions, and for forms react-hook-form and zod) loads when it first
 * opens, not with the page. Closed, it renders nothing; MUI's focus trap still returns focus where it was on close.
 */
export function lazyDialog<P extends { open: boolean }>(load: () => Promise<ComponentType<P>>) {
  const Lazy = lazy(() => load().then((c) => ({ default: c })));
  function LazyDialog(props: P) {
    if (!props.open) return null;
    return (
      <Suspense fallback={null}>
        <Lazy {...(props as P & JSX.IntrinsicAttributes)} />
      </Suspense>
    );
  }
  return LazyDialog;
}
