import { fireEvent } from "@testing-library/svelte";

/** Presses ArrowDown on a closed select once per value: each press changes the select's value
 * during the key's default action (a `change` right after the `keydown`). */
export async function arrowThrough(select: HTMLSelectElement, values: string[]) {
  for (const value of values) {
    await fireEvent.keyDown(select, { key: "ArrowDown" });
    await fireEvent.change(select, { target: { value } });
  }
}
