/** Connection authentication (HS256 JWT). Used on the connection's event loop. */
package dev.tributary.auth;
