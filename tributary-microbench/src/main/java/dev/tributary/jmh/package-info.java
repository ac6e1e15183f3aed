/**
 * JMH microbenchmarks, never part of the default test run (surefire excludes this package). Run
 * with {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="<regex> -f 1 -wi 2 -i 3 -w 1s
 * -r 1s"}; figures and their conclusions are kept in {@code docs/JMH-RESULTS.md}. Each benchmark
 * runs in a forked JVM on JMH's own threads.
 */
package dev.tributary.jmh;
