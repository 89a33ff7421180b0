package dev.siskin.client.admin;

import dev.siskin.client.dist.ExpectedShares;

/**
 * What the router's admin endpoint reports as in force.
 *
 * @param generation config generation, -1 when not reported
 * @param weights    weight per backend
 */
public record ClusterView(long generation, ExpectedShares weights) {}
