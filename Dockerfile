# syntax=docker/dockerfile:1
# Multi-stage: build the fat jar with Maven, run it on a JRE.
#   docker build -t tributary .
#   docker run -p 8000:8000 -v "$PWD/conf:/app/conf:ro" tributary
# Your own modules: mount their jars under /modules (every jar there is on the classpath, as
# scripts/run --module-path DIR does outside Docker):
#   docker run -p 8000:8000 -v "$PWD/conf:/app/conf:ro" -v "$PWD/my-modules:/modules:ro" tributary
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY tributary-server ./tributary-server
# Only the product is built: the reactor's other modules (tests, bench, microbench) stay out.
RUN mvn -B -q -N install && mvn -B -q -f tributary-server/pom.xml -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 tributary
WORKDIR /app
COPY --from=build /src/tributary-server/target/tributary.jar /app/tributary.jar
COPY conf /app/conf
RUN mkdir /modules
USER tributary
EXPOSE 8000
# conf/ can be mounted over /app/conf; TRIBUTARY_CONF and TRIBUTARY_HTTP_PORT override.
ENV JAVA_OPTS="-XX:+UseG1GC -XX:MaxRAMPercentage=75"
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=2s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${TRIBUTARY_HTTP_PORT:-8000} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"ok\"' <&3"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/app/tributary.jar:/modules/*' dev.tributary.Main --conf ${TRIBUTARY_CONF:-/app/conf/tributary.json}"]
