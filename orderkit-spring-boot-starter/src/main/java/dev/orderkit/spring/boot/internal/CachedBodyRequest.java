package dev.orderkit.spring.boot.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A request whose body can be read twice: {@link #body()} reads it once (before the handler does)
 * and every later {@link #getInputStream()} / {@link #getReader()} serves the same bytes. Until then
 * it passes the container's stream through. Not thread-safe (one request thread).
 */
public final class CachedBodyRequest extends HttpServletRequestWrapper {
    private byte @Nullable [] body;

    /**
     * Wraps a request.
     *
     * @param request the request
     */
    public CachedBodyRequest(HttpServletRequest request) {
        super(request);
    }

    /**
     * The whole body, read on the first call.
     *
     * @return the bytes (empty if none)
     * @throws IOException if reading fails
     */
    public byte[] body() throws IOException {
        byte[] b = body;
        if (b == null) {
            b = super.getInputStream().readAllBytes();
            body = b;
        }
        return b;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        byte[] b = body;
        if (b == null) {
            return super.getInputStream();
        }
        ByteArrayInputStream in = new ByteArrayInputStream(b);
        return new ServletInputStream() {
            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException("the body was read already");
            }

            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                return in.read(buf, off, len);
            }
        };
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (body == null) {
            return super.getReader();
        }
        String enc = getCharacterEncoding();
        Charset cs = enc != null ? Charset.forName(enc) : StandardCharsets.UTF_8;
        return new BufferedReader(new InputStreamReader(getInputStream(), cs));
    }
}
