/**
 * The nodes of one cluster acting as one for the server API: commands aimed at a user's
 * connections reach every node, nodes announce themselves (for {@code info}) and answer surveys
 * (for {@code channels}), all over a control channel in Redis ({@link NodeControl}); and the
 * idempotency of publications ({@link Idempotency}). Without Redis the node is the cluster.
 * {@link NodeControl}'s state lives on its own event-loop context.
 */
package dev.tributary.control;
