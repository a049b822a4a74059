FROM alpine:3.20
USER app
RUN <<EOF
echo never ends
