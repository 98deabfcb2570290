# bench/scale.sh's chart: gnuplot -e "ratio='F'; sweep='F'; out='F.png'" scale.gp
#   ratio: route size ratio-to-smallest   (auto plans)
#   sweep: route conc p99_ms req/s
set terminal pngcairo size 1500,620 font "sans,9"
set output out
set multiplot layout 1,2 title "mod_invoice bench-scale" noenhanced
set grid
set key outside right top noenhanced font ",7"
set logscale x
set title "throughput vs table size (ratio to the smallest size, plans auto)"
set xlabel "invoices"
set ylabel "req/s ratio"
set yrange [0:*]
plot for [r in system("cut -d' ' -f1 ".ratio." | uniq")] \
     sprintf("< grep '^%s ' %s", r, ratio) using 2:3 with linespoints title r, \
     0.7 with lines dt 2 lc rgb "red" title "0.7"
set title "p99 vs concurrency (keep-alive, largest size)"
set xlabel "concurrent connections"
set ylabel "p99 ms"
set logscale y
set yrange [*:*]
plot for [r in "create list"] sprintf("< grep '^%s ' %s", r, sweep) using 2:3 with linespoints lw 2 title r
unset multiplot
