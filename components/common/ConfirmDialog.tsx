"use client";
import { lazyDialog } from "./lazy-dialog";

/** A confirmation before something that cannot be undone; its code loads when it first opens. */
export const ConfirmDialog = lazyDialog(() => import("./ConfirmDialogView").then((m) => m.ConfirmDialogView));
