"use client";

import { useRef, type KeyboardEvent, type ReactNode } from "react";

export interface Tab {
  id: string;
  label: ReactNode;
}

export const tabId = (group: string, tab: string) => `${group}-tab-${tab}`;
export const panelId = (group: string, tab: string) => `${group}-panel-${tab}`;

/**
 * A WAI-ARIA tab list: Tab reaches the selected tab, arrow keys, Home and End move between tabs and select
 * them. The panels are the caller's: give each role="tabpanel", id={panelId(…)}, aria-labelledby={tabId(…)}.
 */
export function TabList({
  group,
  label,
  tabs,
  selected,
  onSelect,
}: {
  group: string;
  label: string;
  tabs: Tab[];
  selected: string;
  onSelect: (id: string) => void;
}) {
  const buttons = useRef(new Map<string, HTMLButtonElement>());

  const onKeyDown = (event: KeyboardEvent) => {
    const index = tabs.findIndex((t) => t.id === selected);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length]!;
    onSelect(tab.id);
    buttons.current.get(tab.id)?.focus();
  };

  return (
    <div role="tablist" aria-label={label} className="flex items-center gap-1" onKeyDown={onKeyDown}>
      {tabs.map((tab) => {
        const isSelected = tab.id === selected;
        return (
          <button
            key={tab.id}
            ref={(el) => {
              if (el) buttons.current.set(tab.id, el);
              else buttons.current.delete(tab.id);
            }}
            type="button"
            role="tab"
            id={tabId(group, tab.id)}
            aria-selected={isSelected}
            aria-controls={panelId(group, tab.id)}
            tabIndex={isSelected ? 0 : -1}
            onClick={() => onSelect(tab.id)}
            className={`rounded px-2 py-0.5 font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400 ${
              isSelected ? "bg-slate-700 text-white" : "text-slate-400 hover:text-slate-200"
            }`}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}
