/** The HTTP server API and health endpoint. Handlers run on the accepting event loop; non-blocking. */
package dev.tributary.api;
