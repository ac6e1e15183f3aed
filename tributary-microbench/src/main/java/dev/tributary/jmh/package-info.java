/**
 * JMH microbenchmarks, never part of the default test run. Run with {@code java -jar
 * tributary-microbench/target/benchmarks.jar <regex> -f 1 -wi 2 -i 3 -w 1s -r 1s} after
 * {@code mvn -B -DskipTests package}; load measurements (fan-out, cross-node, the cache's L2 reads)
 * are scenarios of the load client ({@code scripts/bench}, module tributary-bench), not here; figures and their conclusions are kept in {@code docs/JMH-RESULTS.md}. Each benchmark
 * runs in a forked JVM on JMH's own threads.
 */
package dev.tributary.jmh;
