# Median table of two auth_bench outputs (RESULT lines: key, value, unit,
# description): the first file is ours (column `label`), the second PJSIP's.
# With self=1, also our own figures against each other.
FNR == 1 { file++ }
$1 != "RESULT" { next }
file == 1 { if (!($2 in nours)) { order[++n] = $2; unit[$2] = $4; what[$2] = $5 }
            vo[$2, ++nours[$2]] = $3 }
file == 2 { vp[$2, ++npj[$2]] = $3 }
# Median of the m values a[k, 1..m] (insertion sort; m is small).
function med(a, k, m,    i, j, x, t) {
  for (i = 1; i <= m; i++) t[i] = a[k, i] + 0
  for (i = 2; i <= m; i++) { x = t[i]; for (j = i - 1; j >= 1 && t[j] > x; j--) t[j + 1] = t[j]; t[j + 1] = x }
  return (m % 2) ? t[(m + 1) / 2] : (t[m / 2] + t[m / 2 + 1]) / 2
}
function show(v, u) { return (v + 0 < 1 && u == " ns") ? "< 1 ns" : sprintf("%.1f%s", v, u) }
function rel(a, b) { return (b + 0 > 0) ? sprintf("%.2fx", a / b) : "-" }
END {
  for (i = 1; i <= n; i++) { k = order[i]; ours[k] = med(vo, k, nours[k]); if (k in npj) pj[k] = med(vp, k, npj[k]) }
  printf "| operation | %s | PJSIP 2.17 | %s/PJSIP |\n|---|---:|---:|---:|\n", label, label
  for (i = 1; i <= n; i++) {
    k = order[i]; u = " " unit[k]
    if (!(k in pj)) { ps = "-"; r = "-" }
    else {
      ps = show(pj[k], u)
      # A ratio only where both do the same work: not for memory, nor for
      # deinit (PJSIP leaves the pending tokens alone, and is near the clock
      # resolution there).
      r = (unit[k] == "ns" && k !~ /^deinit\./) ? rel(ours[k], pj[k]) : "-"
    }
    printf "| %s | %s | %s | %s |\n", what[k], show(ours[k], u), ps, r
  }
  if (!self) exit
  printf "\n%s against %s (the 1M-pending and deinit goals):\n\n", label, label
  printf "| comparison | ratio |\n|---|---:|\n"
  printf "| issue with the table full / empty | %s |\n", rel(ours["pending.full.issue"], ours["pending.empty.issue"])
  printf "| claim with the table full / empty | %s |\n", rel(ours["pending.full.claim"], ours["pending.empty.claim"])
  split("0 10 1000", ks, " ")
  for (j = 1; j <= 3; j++) {
    f = "deinit.k" ks[j] ".fresh"
    printf "| deinit, %s pending: after a burst elsewhere / fresh | %s |\n", ks[j], rel(ours["deinit.k" ks[j] ".after_burst"], ours[f])
    printf "| deinit, %s pending: burst pending elsewhere / fresh | %s |\n", ks[j], rel(ours["deinit.k" ks[j] ".burst_pending"], ours[f])
  }
}
