// What one review costs and what one replica holds, for sizing the Deployment
// and its autoscaler.
//
// The cost per review comes from `npm run bench` (bench/README.md), which
// measures the server's CPU time (all threads) per review of a 5 KB Pod over
// HTTPS with TLS: 208 us with one worker on one core, 4,697 reviews/s
// (builtin:require-memory-limits; `npm run bench -- --only
// kadmit,kadmit-log-warn,kadmit-inline,nodelimit --no-micro --rounds 3
// --seconds 6`, shared 2-CPU machine). The rendered Deployment runs 2
// workers, and real policies do more than that one; the worker hop alone
// measured +11%. Sizing uses 250 us (208 us plus about 20%). An older run
// measured 413 us with two workers, but there the second worker shared its
// core with the load generator, so that is not a per-review cost. For
// policies that cost more, pass a lower --reviews-per-replica.

/** CPU time per review used for sizing, in microseconds (see above). */
export const REVIEW_CPU_MICROSECONDS = 250;
/**
 * CPU a replica uses with no reviews at all, in millicores: its threads wake
 * every 10 ms (event-loop delay sampling, the workers' heartbeat), and it runs
 * its TLS self-check every 5 s. Measured with the rendered Deployment's two
 * workers, 10 to 30 s after serving, medians of three fresh processes: 24m from
 * the built command line (the image's), 30m from the sources (`npx node
 * bench/idle-rss.ts --workers 2 --settle 10 --cpu-window 20`); a pod adds its
 * probes and scrapes. An autoscaler sized on reviews alone would see a replica
 * at rest above its target whenever the reviews' share of the request is small
 * (100 reviews/s: 36m requested).
 */
export const IDLE_CPU_MILLICORES = 30;
/** The HPA's target: average CPU use over the request, in percent. */
export const TARGET_CPU_UTILIZATION = 70;
/** A replica's main thread (TLS, HTTP, the Reviewer) tops out near 7,000 reviews/s on a bench core: scale out well before. */
export const MAX_REVIEWS_PER_REPLICA = 3_000;
export const DEFAULT_REVIEWS_PER_REPLICA = 1_000;
