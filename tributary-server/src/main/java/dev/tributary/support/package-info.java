/** Small utilities shared by every package (clock). Thread-agnostic. */
package dev.tributary.support;
