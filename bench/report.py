#!/usr/bin/env python3
"""The report of bench/run.sh: medians, per-round ratios, the targets of issue 18, a
plot of the ratios per language, written into the generated part of a Markdown page.

    report.py --results results.tsv --machine machine.tsv --page docs/benchmarks.md
              --plot docs/benchmarks/ratios.png

results.tsv: round, benchmark, language, implementation, value (NA: the case failed).
A ratio is always "polysock's speed over the other's" (above 1.00: polysock is faster):
value/other for rates, other/value for times and costs. It is taken within each round
(the two cases shared that round's noise) and its median over the rounds is reported.
"""
import argparse
import os
import re
import statistics
import sys

BEGIN = "<!-- BEGIN bench/run.sh: generated, edit bench/report.py instead -->"
END = "<!-- END bench/run.sh -->"

# benchmark -> (what it is, unit, higher is better)
BENCHMARKS = {
    "bulk-pinned": ("bulk TCP, 1 GiB in 64 KiB writes, one CPU", "MiB/s", True),
    "bulk": ("bulk TCP, 1 GiB in 64 KiB writes, unpinned", "MiB/s", True),
    "rtt-pinned": ("64-byte round trips, TCP_NODELAY, one CPU", "us/trip", False),
    "rtt": ("64-byte round trips, TCP_NODELAY, unpinned", "us/trip", False),
    "connect": ("connect + accept + close", "conn/s", True),
    "eagain": ("non-blocking recv hitting EAGAIN", "ns/call", False),
    "tls-bulk": ("TLS 1.3 bulk, 256 MiB in 64 KiB writes", "MiB/s", True),
}
LANGS = ["c", "java", "csharp", "go"]
LANG_NAMES = {"c": "C", "java": "Java", "csharp": "C#", "go": "Go"}
OWN_NAMES = {
    ("c", "raw"): "raw C",
    ("java", "socket"): "java.net.Socket",
    ("java", "nio"): "NIO",
    ("csharp", "system"): "System.Net.Sockets",
    ("csharp", "system-async"): "System.Net.Sockets async",
    ("go", "net"): "net",
}


def describe(bench):
    m = re.fullmatch(r"echo-(\d+)", bench)
    if m:
        return (f"echo server at {int(m.group(1)):,} connections (server CPU per message)",
                "us CPU/msg", False)
    return BENCHMARKS.get(bench, (bench, "", True))


def order(bench):
    names = list(BENCHMARKS)
    if bench.startswith("echo-"):
        return (names.index("eagain") + 1, int(bench[5:]))
    return (names.index(bench) if bench in names else 99, 0)


def target(bench, lang, other):
    """The target of issue 18 for polysock in lang against other, or None."""
    if other == ("c", "raw"):
        if lang == "c":
            if bench in ("bulk", "bulk-pinned", "rtt", "rtt-pinned", "connect"):
                return 0.97
            if bench == "eagain":
                return 1 / 1.05  # a cost within 1.05x of raw C's
            if bench.startswith("echo-"):
                return 0.95  # the poller against plain epoll, server CPU per message
            return None
        return 0.95 if bench in ("bulk", "bulk-pinned") else None
    if other[0] == lang and bench in ("bulk", "bulk-pinned", "rtt", "rtt-pinned"):
        return 1.0
    return None


def variant(impl):
    """What follows the first '-' of an implementation's name ('async' of 'system-async')."""
    return impl.partition("-")[2]


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                continue
            rnd, bench, lang, impl, value = parts
            rows.append((int(rnd), bench, lang, impl, None if value == "NA" else float(value)))
    return rows


def fmt(x, unit=""):
    if x is None:
        return "failed"
    if x >= 1000:
        s = f"{x:,.0f}"
    elif x >= 100:
        s = f"{x:.0f}"
    elif x >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.2f}"
    return f"{s} {unit}".strip()


def analyse(rows):
    values = {}  # (bench, lang, impl) -> {round: value}
    for rnd, bench, lang, impl, value in rows:
        values.setdefault((bench, lang, impl), {})[rnd] = value
    medians = {k: (statistics.median([x for x in v.values() if x is not None])
                   if any(x is not None for x in v.values()) else None)
               for k, v in values.items()}
    benches = sorted({k[0] for k in values}, key=order)
    comparisons = []  # (bench, lang, impl, other, ratio, per-round ratios, target)
    for bench in benches:
        higher = describe(bench)[2]
        for lang in LANGS:
            mine = sorted(i for (b, l, i) in values if b == bench and l == lang and i.startswith("polysock"))
            own = sorted(i for (b, l, i) in values if b == bench and l == lang and not i.startswith("polysock"))
            for impl in mine:
                # polysock-async against system-async, polysock against socket and nio...
                same = [o for o in own if variant(o) == variant(impl)] or own
                others = ([] if lang == "c" or (bench, "c", "raw") not in values else [("c", "raw")])
                others += [(lang, o) for o in same]
                for other in others:
                    a, b = values[(bench, lang, impl)], values[(bench,) + other]
                    per_round = []
                    for rnd in sorted(set(a) & set(b)):
                        if a[rnd] is None or b[rnd] is None or a[rnd] <= 0 or b[rnd] <= 0:
                            continue
                        per_round.append(a[rnd] / b[rnd] if higher else b[rnd] / a[rnd])
                    ratio = statistics.median(per_round) if per_round else None
                    comparisons.append((bench, lang, impl, other, ratio, per_round,
                                        target(bench, lang, other)))
    return values, medians, benches, comparisons


def plot(comparisons, benches, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("against raw C system calls", lambda c: c[3] == ("c", "raw")),
              ("against the language's own sockets", lambda c: c[3] != ("c", "raw") and c[1] != "c")]
    fig, axes = plt.subplots(2, 1, figsize=(11, 8.5))
    colors = {"c": "#4c72b0", "java": "#dd8452", "csharp": "#55a868", "go": "#8172b3"}
    for ax, (title, keep) in zip(axes, panels):
        chosen = [c for c in comparisons if keep(c) and c[4] is not None]
        series = sorted({(c[1], c[2], c[3]) for c in chosen},
                        key=lambda s: (LANGS.index(s[0]), s[1], s[2]))
        width = 0.8 / max(1, len(series))
        for k, (lang, impl, other) in enumerate(series):
            xs, ys = [], []
            for i, bench in enumerate(benches):
                for c in chosen:
                    if c[0] == bench and (c[1], c[2], c[3]) == (lang, impl, other):
                        xs.append(i - 0.4 + width * (k + 0.5))
                        ys.append(c[4])
            label = f"{LANG_NAMES[lang]} {impl}"
            if other != ("c", "raw"):
                label += f" / {OWN_NAMES.get(other, other[1])}"
            shade = 0.55 + 0.45 * (k % 3) / 2
            ax.bar(xs, ys, width, label=label, color=colors[lang], alpha=shade, edgecolor="black",
                   linewidth=0.3)
        tallest = max([c[4] for c in chosen], default=1.0)
        ax.set_ylim(0, max(1.2, tallest) * 1.3)  # room for the legend above the bars
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(benches)))
        ax.set_xticklabels([b for b in benches], fontsize=8)
        ax.set_ylabel("polysock speed ratio (>1: faster)")
        ax.set_title(f"polysock {title} (median of per-round ratios)", fontsize=10)
        ax.legend(fontsize=7, ncol=4, loc="upper center")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def markdown(values, medians, benches, comparisons, machine, plot_path, page_path):
    out = []
    meta = {}
    loads = []
    for line in machine:
        key, _, value = line.rstrip("\n").partition("\t")
        if key == "load":
            loads.append(value)
        elif key:
            meta[key] = value
    rounds = max((r for v in values.values() for r in v), default=0)
    out.append(f"Generated by `{meta.get('command', 'bench/run.sh')}` on {meta.get('date', '?')} "
               f"(commit {meta.get('commit', '?')}), {rounds} rounds; raw results in "
               "[benchmarks/results.tsv](benchmarks/results.tsv).")
    out.append("")
    out.append("| machine | |")
    out.append("| --- | --- |")
    for key in ("cpu", "kernel", "cc", "java", "dotnet", "go", "openssl"):
        if key in meta:
            out.append(f"| {key} | {meta[key]} |")
    for value in loads:
        out.append(f"| load average | {value} |")
    out.append("")
    rel = os.path.relpath(plot_path, os.path.dirname(os.path.abspath(page_path)))
    out.append(f"![polysock's speed ratios per benchmark and language]({rel})")
    out.append("")
    out.append("### Ratios and targets")
    out.append("")
    out.append("Speed ratio of polysock over the other side (above 1.00: polysock faster), the "
               "median of the per-round ratios, with the range over the rounds; for a target, "
               "in how many rounds the ratio reached it (a median just under its target with "
               "rounds on both sides of it is this machine's noise as much as a verdict).")
    out.append("")
    out.append("| benchmark | language | polysock | against | ratio | range | target | rounds at it | |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for bench, lang, impl, other, ratio, per_round, goal in comparisons:
        against = OWN_NAMES.get(other, f"{LANG_NAMES[other[0]]} {other[1]}")
        spread = f"{min(per_round):.2f}-{max(per_round):.2f}" if per_round else ""
        verdict = ""
        reached = ""
        if goal is not None and ratio is not None:
            verdict = "met" if ratio >= goal else "**missed**"
            reached = f"{sum(r >= goal for r in per_round)}/{len(per_round)}"
        shown = "failed" if ratio is None else f"{ratio:.2f}x"
        goal_text = "" if goal is None else ">= " + f"{goal:.3f}".rstrip("0").rstrip(".") + "x"
        out.append(f"| {bench} | {LANG_NAMES[lang]} | {impl} | {against} | {shown} | {spread} | "
                   f"{goal_text} | {reached} | {verdict} |")
    out.append("")
    out.append("### Medians")
    out.append("")
    impls = sorted({(l, i) for (_, l, i) in values}, key=lambda k: (LANGS.index(k[0]), k[1]))
    out.append("| benchmark | unit | " + " | ".join(f"{LANG_NAMES[l]} {i}" for l, i in impls) + " |")
    out.append("| --- | --- |" + " --- |" * len(impls))
    for bench in benches:
        what, unit, higher = describe(bench)
        cells = [fmt(medians[(bench, l, i)]) if (bench, l, i) in medians else "" for l, i in impls]
        out.append(f"| {bench}: {what} | {unit} ({'higher' if higher else 'lower'} is better) | "
                   + " | ".join(cells) + " |")
    out.append("")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", required=True)
    p.add_argument("--machine", required=True)
    p.add_argument("--page", required=True)
    p.add_argument("--plot", required=True)
    args = p.parse_args()
    rows = load(args.results)
    if not rows:
        sys.exit(f"report.py: no results in {args.results}")
    values, medians, benches, comparisons = analyse(rows)
    with open(args.machine) as f:
        machine = f.readlines()
    plot(comparisons, benches, args.plot)
    body = markdown(values, medians, benches, comparisons, machine, args.plot, args.page)
    page = open(args.page).read() if os.path.exists(args.page) else "# Benchmarks\n"
    block = f"{BEGIN}\n{body}\n{END}"
    if BEGIN in page and END in page:
        head, rest = page.split(BEGIN, 1)
        page = head + block + rest.split(END, 1)[1]
    else:  # first time: after the title
        title, _, rest = page.partition("\n")
        page = f"{title}\n\n{block}\n{rest}"
    with open(args.page, "w") as f:
        f.write(page)
    print(body)


if __name__ == "__main__":
    main()
