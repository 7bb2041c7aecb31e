"""The results table (plain text and Markdown), the targets and the machine header."""

#: target ratio tinynet / PyTorch (median over rounds) per workload, from the speed issues
#: (#12, "Speed, round 2", tightened W3, W6 and W2's floor)
RATIO_TARGETS = {"W1": 0.8, "W2": 0.8, "W3": 0.6, "W4": 1.0, "W5": 0.8, "W6": 0.9, "W7": 0.8}
#: target tinynet time / GEMM floor
FLOOR_TARGETS = {"W2": 1.25}
#: target tinynet time / plain NumPy reference time (medians): the library's
#: overhead must not eat what its kernels save
REFERENCE_TARGETS = {"W1": 0.95, "W2": 0.95, "W5": 0.95}
#: target tinynet peak RSS / PyTorch peak RSS
RSS_TARGETS = {"W4": 1.0}
#: test accuracy must match the reference to within this many points
ACCURACY_TOLERANCE = 0.3
#: test MSE (W5, W7) is compared by relative difference; a loose bound, since
#: float32 rounding makes long Adam runs drift apart a little
MSE_REL_TOLERANCE = 0.10


def machine_lines(m, gemm_gflops):
    lines = [f"date: {m['date']}",
             f"machine: {m['cpu']}, {m['cores']} cores; threads: {m['threads']} "
             f"({m['thread_control']}); load average {m['load_average']}",
             f"python {m['python']}, numpy {m['numpy']} with {m['blas']}, "
             f"torch {m['torch'] or '(not installed: PyTorch columns empty)'}"
             + (f" ({m['torch_threads']} threads)" if m.get("torch_threads") else ""),
             f"backend: {m['backend']}" + (f" ({m['device']})" if m.get("device") else "")
             + f"; float32 GEMM rate ({m.get('gemm_size', 2048)}^3): {gemm_gflops:.1f} GFLOP/s"]
    if m.get("blas_kernel"):
        lines.append(f"{m['blas_kernel']}; CPU vector ISA: {m.get('cpu_isa') or 'unknown'}")
    if m.get("openblas_env"):
        lines.append(f"OpenBLAS environment: {m['openblas_env']}")
    if m.get("coretype_unset") == "nothing was set":
        lines.append("--unset-coretype: no OPENBLAS_CORETYPE/GOTOBLAS_CORETYPE was set; "
                     "nothing to unset")
    elif m.get("coretype_unset"):
        lines.append(f"--unset-coretype: {m['coretype_unset']} unset for this benchmark process "
                     "before NumPy loaded (tinynet and the NumPy reference use OpenBLAS's own CPU "
                     "detection; PyTorch never reads it)")
    lines.extend(m.get("coretype_warnings") or [])
    return lines


def _fmt_value(res, side):
    s = res.get(side)
    if not s:
        return ""
    if res["kind"] == "infer":
        return f"{s['images_per_s']:,.0f}"
    return f"{s['median']:.3f}"


def _fmt_metric(res, side):
    s = res.get(side)
    if not s or s.get("metric") is None:
        return ""
    if res["kind"] == "classify":
        return f"{s['metric']:.2f}%"
    return f"{s['metric']:.5f}"


def check(res):
    """{'ratio': (met, text), 'floor': ..., 'learning': ...} for one result."""
    out = {}
    target = RATIO_TARGETS.get(res["name"])
    if res.get("ratio") and target:
        r = res["ratio"]["median"]
        out["ratio"] = (r <= target, f"ratio {r:.2f} (target <= {target})"
                        + ("" if r <= target else f": missed by {100 * (r / target - 1):.0f}%"))
    ft = FLOOR_TARGETS.get(res["name"])
    if ft and res.get("floor_ratio"):
        f = res["floor_ratio"]
        out["floor"] = (f <= ft, f"{f:.2f}x floor (target <= {ft})")
    tn, ref, pt = res.get("tinynet"), res.get("reference"), res.get("torch")
    rt = REFERENCE_TARGETS.get(res["name"])
    if rt and tn and ref:
        q = tn["median"] / ref["median"]
        out["vs reference"] = (q <= rt, f"{q:.2f}x the plain reference's time (target <= {rt})")
    st = RSS_TARGETS.get(res["name"])
    if st and tn and pt and tn.get("peak_rss_mb") and pt.get("peak_rss_mb"):
        q = tn["peak_rss_mb"] / pt["peak_rss_mb"]
        out["peak RSS"] = (q <= st, f"{tn['peak_rss_mb']:.0f} MB vs PyTorch {pt['peak_rss_mb']:.0f} MB "
                                    f"({q:.2f}x, target <= {st:g}x)")
    if tn and ref and tn.get("metric") is not None and ref.get("metric") is not None:
        a, b = tn["metric"], ref["metric"]
        if res["kind"] == "classify":
            ok = abs(a - b) <= ACCURACY_TOLERANCE
            out["learning"] = (ok, f"accuracy {a:.2f}% vs reference {b:.2f}% "
                                   f"(|diff| {abs(a - b):.2f} <= {ACCURACY_TOLERANCE})")
        else:
            rel = abs(a - b) / max(abs(b), 1e-12)
            ok = rel <= MSE_REL_TOLERANCE
            out["learning"] = (ok, f"test MSE {a:.5f} vs reference {b:.5f} "
                                   f"(rel. diff {100 * rel:.1f}% <= {100 * MSE_REL_TOLERANCE:.0f}%)")
    return out


def table(results):
    """Markdown table, one row per workload."""
    head = ("| | workload | unit | tinynet | PyTorch | ratio tn/PT median [min-max] | target "
            "| GEMM floor | tn/floor | reference | test metric tn / ref / PT | peak RSS MB tn / PT |")
    lines = [head, "|" + "---|" * 12]
    for res in results:
        r = res.get("ratio")
        ratio = (f"{r['median']:.2f} [{r['min']:.2f}-{r['max']:.2f}]" if r else "")
        target = RATIO_TARGETS.get(res["name"])
        met = check(res).get("ratio")
        tcell = f"<= {target}" + ("" if met is None else (" met" if met[0] else " **missed**"))
        if res["kind"] == "infer":
            floor = f"{res['floor_value']:,.0f}"
        else:
            floor = f"{res['floor_value']:.3f}"
        fr = f"{res['floor_ratio']:.2f}" if res.get("floor_ratio") else ""
        metric = " / ".join(_fmt_metric(res, s) or "-" for s in ("tinynet", "reference", "torch"))
        rss = " / ".join(f"{res[s]['peak_rss_mb']:.0f}" if res.get(s) and res[s].get("peak_rss_mb")
                         else "-" for s in ("tinynet", "torch"))
        lines.append(f"| {res['name']} | {res['title']} | {res['unit']} | {_fmt_value(res, 'tinynet')} "
                     f"| {_fmt_value(res, 'torch')} | {ratio} | {tcell} | {floor} | {fr} "
                     f"| {_fmt_value(res, 'reference')} | {metric} | {rss} |")
    return "\n".join(lines)


def verdicts(results):
    lines = []
    for res in results:
        for key, (ok, text) in check(res).items():
            lines.append(f"- {res['name']} {key}: {'OK' if ok else 'MISSED'} - {text}")
        if res.get("tinynet", {}) and res["tinynet"].get("max_abs_diff_vs_torch") is not None:
            lines.append(f"- {res['name']} outputs: max |tinynet - PyTorch| = "
                         f"{res['tinynet']['max_abs_diff_vs_torch']:.2e} (same weights)")
        if not res.get("order_verified", True):
            lines.append(f"- {res['name']}: WARNING the replayed batch order did not match fit's")
    return "\n".join(lines)
