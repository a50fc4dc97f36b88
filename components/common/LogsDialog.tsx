"use client";
import { lazyDialog } from "./lazy-dialog";

/** A backup's or restore's logs; the dialog's code loads when it first opens. */
export const LogsDialog = lazyDialog(() => import("./LogsDialogView").then((m) => m.LogsDialogView));
