import { expect, it } from "vitest";
import { formatBytes } from "./bytes";

it.each([
  [512, "512 B"],
  [1536, "1.5 KiB"],
  [37 * 2 ** 20, "37 MiB"],
  [null, "—"],
])("formats %s as %s", (n, text) => expect(formatBytes(n)).toBe(text));
