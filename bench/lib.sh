# Shared by the bench scripts (source it from the repository root).

# bench_cluster DIR: builds and installs ces, then starts a throwaway cluster in DIR on
# $CES_BENCH_PORT (CLUSTER_OPTS adds server options); it stops when the script exits.
bench_cluster() {
    bash scripts/build.sh
    source scripts/cluster.sh
    DIR="$1"
    cluster_start "$DIR" "${CES_BENCH_PORT:-54331}"
    trap 'cluster_stop "$DIR"' EXIT
}

# median NAME: the median of the times recorded as "NAME ms" lines in $TIMES.
median() {
    grep "^$1 " "$TIMES" | awk '{ print $2 }' | sort -n |
        awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B to two decimals, or n/a.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
