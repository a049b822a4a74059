FROM alpine:3.20
RUN echo ok
FROMM alpine
USER app
