# bench/run.sh's chart: gnuplot -e "ratios='F'; latency='F'; out='F.png'" chart.gp
#   ratios:  idx name value target(NaN = informational)
#   latency: idx name p50_ms p99_ms
set terminal pngcairo size 1400,560 font "sans,10"
set output out
set multiplot layout 1,2 title "mod_invoice benchmark (medians)" noenhanced
set style fill solid 0.7 border -1
set boxwidth 0.6
set grid ytics
set xtics rotate by -30 left noenhanced
set key top right

set title "throughput ratios (module / ceiling)"
set yrange [0:*]
plot ratios using 1:3:xtic(2) with boxes lc rgb "#4477aa" title "ratio", \
     ratios using 1:4 with points pt 7 ps 1.5 lc rgb "#cc3311" title "target", \
     ratios using 1:3:(sprintf("%.2f", $3)) with labels offset 0,0.8 notitle

set title "latency percentiles (ms, log scale)"
set logscale y
set yrange [0.1:*]
set boxwidth 0.35
plot latency using ($1 - 0.18):3:xtic(2) with boxes lc rgb "#66ccee" title "p50", \
     latency using ($1 + 0.18):4 with boxes lc rgb "#ee6677" title "p99"
unset multiplot
