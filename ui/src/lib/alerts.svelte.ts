// What the manager is told without asking, as the window shows it: the backend decides and
// words each alert (switchboard_ops::alerts) and sends it as an OS notification and as an event;
// here the event becomes a toast whose button opens the numbers concerned, and the
// organizations' alarm counts become badges.

import type { Alert, Client, ClientError, OrgAlarms } from "./client";
import { toClientError } from "./client";
import type { ToastAction } from "./toasts.svelte";

/** What the numbers table is asked to show for an alert. */
export interface AlertTarget {
  /** Switches the window to an organization. */
  switchTo(organizationId: string): Promise<void> | void;
  /** The numbers under a readiness alarm. */
  showAlarms(): void;
  /** The numbers that need attention (in error). */
  showNeedsAttention(): void;
}

/** The toast's button for an alert: opens its organization's numbers of that kind. */
export function alertAction(alert: Alert, target: AlertTarget, currentOrganizationId: string | null): ToastAction {
  return {
    label: alert.kind === "alarm" ? "Show numbers moving away" : "Show numbers needing attention",
    run: () => {
      void (async () => {
        if (alert.organizationId !== currentOrganizationId) await target.switchTo(alert.organizationId);
        if (alert.kind === "alarm") target.showAlarms();
        else target.showNeedsAttention();
      })();
    },
  };
}

/** The badge's words for `count` numbers under alarm (empty: no badge). */
export function badgeText(count: number): string {
  return count > 0 ? `⚠ ${count}` : "";
}

/** What the badge says to a screen reader and in its tooltip. */
export function badgeLabel(count: number, organizationName: string): string {
  const numbers = count === 1 ? "1 number" : `${count} numbers`;
  return `${numbers} of ${organizationName} ${count === 1 ? "is" : "are"} being ported away or ported out: show ${count === 1 ? "it" : "them"}`;
}

/** An organization's name in the organization picker, with its alarm count when it has one. */
export function pickerName(name: string, count: number): string {
  return count > 0 ? `${name} (⚠ ${count} moving away)` : name;
}

/** The alarm counts of the open workspace's organizations, kept fresh by `load`. */
export class AlarmBadges {
  counts = $state<Record<string, number>>({});
  #generation = 0;

  constructor(
    private client: Pick<Client, "alarmCounts">,
    private onError: (e: ClientError) => void = () => {},
  ) {}

  /** An organization's count (0 when unknown). */
  countOf(organizationId: string | null | undefined): number {
    return organizationId ? (this.counts[organizationId] ?? 0) : 0;
  }

  /** Asks again; an answer older than the latest asked is dropped. */
  async load() {
    const generation = ++this.#generation;
    let found: OrgAlarms[];
    try {
      found = await this.client.alarmCounts();
    } catch (e) {
      if (generation === this.#generation) this.onError(toClientError(e));
      return;
    }
    if (generation !== this.#generation) return;
    this.counts = Object.fromEntries(found.map((o) => [o.organizationId, o.count]));
  }

  /** Forgets every count (another workspace was opened). */
  clear() {
    this.#generation++;
    this.counts = {};
  }
}
