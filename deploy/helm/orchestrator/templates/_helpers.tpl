{{/* The chart's name. */}}
{{- define "orchestrator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: the release's, prefixed unless it holds the chart's name. */}}
{{- define "orchestrator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orchestrator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable across releases (selectors are immutable). */}}
{{- define "orchestrator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orchestrator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels that never change between upgrades: safe in a StatefulSet's
volumeClaimTemplates, which are immutable. */}}
{{- define "orchestrator.stableLabels" -}}
{{ include "orchestrator.selectorLabels" . }}
app.kubernetes.io/component: server
app.kubernetes.io/part-of: orchestrator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Every object's labels. */}}
{{- define "orchestrator.labels" -}}
{{ include "orchestrator.stableLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
helm.sh/chart: {{ include "orchestrator.chart" . }}
{{- end }}

{{- define "orchestrator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orchestrator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "orchestrator.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The ConfigMap's data: values.env plus what the chart's volumes and mode
need. */}}
{{- define "orchestrator.configData" -}}
{{- $env := dict }}
{{- range $k, $v := .Values.env }}
{{- $_ := set $env $k (toString $v) }}
{{- end }}
{{- $_ := set $env "ROCKSDB_PATH" "/var/lib/orchestrator/data" }}
{{- $_ := set $env "MODEL_DIR" "/var/lib/orchestrator/models" }}
{{- $_ := set $env "TMPDIR" "/tmp/orchestrator" }}
{{- $_ := set $env "SHUTDOWN_GRACE" (toString .Values.shutdownGrace) }}
{{- $_ := set $env "AUTH_PUBLIC_KEY_FILE" (printf "/etc/orchestrator/auth/%s" .Values.auth.publicKeyKey) }}
{{- with .Values.auth.issuer }}
{{- $_ := set $env "AUTH_ISSUER" . }}
{{- end }}
{{- with .Values.auth.audience }}
{{- $_ := set $env "AUTH_AUDIENCE" . }}
{{- end }}
{{- $_ := set $env "SECRETS_FILE" (printf "/etc/orchestrator/secrets/%s" .Values.secrets.key) }}
{{- if eq .Values.mode "ha" }}
{{- $_ := set $env "HEARTBEAT_INTERVAL" (toString .Values.database.heartbeatInterval) }}
{{- $_ := set $env "LEASE_TTL" (toString .Values.database.leaseTtl) }}
{{- end }}
{{- range $k := keys $env | sortAlpha }}
{{ $k }}: {{ get $env $k | quote }}
{{- end }}
{{- end }}

{{/* The pod, the same in both modes but for the data volume and, in ha,
DATABASE_URL and the spreading defaults. */}}
{{- define "orchestrator.podTemplate" -}}
metadata:
  labels:
    {{- include "orchestrator.stableLabels" . | nindent 4 }}
    app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # A changed ConfigMap rolls the pods.
    checksum/config: {{ include "orchestrator.configData" . | sha256sum }}
    {{- if .Values.metrics.scrapeAnnotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ .Values.service.httpPort | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "orchestrator.serviceAccountName" . }}
  # The server never calls the Kubernetes API.
  automountServiceAccountToken: false
  # No ORCHESTRATOR_PORT=tcp://... variables in the server's environment.
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
  {{- if .Values.affinity }}
  affinity:
    {{- toYaml .Values.affinity | nindent 4 }}
  {{- else if eq .Values.mode "ha" }}
  affinity:
    # One replica per node where the cluster allows it.
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "orchestrator.selectorLabels" . | nindent 16 }}
  {{- end }}
  {{- if .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml .Values.topologySpreadConstraints | nindent 4 }}
  {{- else if eq .Values.mode "ha" }}
  topologySpreadConstraints:
    # And across zones, when nodes have zones.
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "orchestrator.selectorLabels" . | nindent 10 }}
  {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: orchestrator
      image: {{ include "orchestrator.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      # The image's ENTRYPOINT is `orchestrator serve`. Listening on 0.0.0.0
      # needs access control: AUTH_PUBLIC_KEY_FILE names the mounted key.
      args: ["--grpc-addr", "0.0.0.0:50051", "--http-addr", "0.0.0.0:8080"]
      ports:
        - name: grpc
          containerPort: 50051
          protocol: TCP
        - name: http
          containerPort: 8080
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "orchestrator.fullname" . }}
      {{- if eq .Values.mode "ha" }}
      env:
        - name: DATABASE_URL
          valueFrom:
            secretKeyRef:
              name: {{ .Values.database.existingSecret }}
              key: {{ .Values.database.key }}
              optional: false
      {{- end }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      # The ports open only once the store is open and unfinished runs have
      # resumed.
      startupProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: {{ .Values.probes.startup.periodSeconds }}
        failureThreshold: {{ .Values.probes.startup.failureThreshold }}
      # The process answers HTTP (open route, no token).
      livenessProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      # grpc.health.v1.Health/Check, service "": NOT_SERVING while shutting
      # down, so the pod leaves the Service before its ports close.
      readinessProbe:
        grpc:
          port: 50051
          service: ""
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 2
      {{- if .Values.preStopSleepSeconds }}
      lifecycle:
        # Endpoints are removed while the server still serves; then SIGTERM
        # starts the graceful shutdown.
        preStop:
          sleep:
            seconds: {{ .Values.preStopSleepSeconds }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: ["ALL"]
      volumeMounts:
        # RocksDB (single) and the model cache.
        - name: data
          mountPath: /var/lib/orchestrator
        - name: tmp
          mountPath: /tmp/orchestrator
        - name: auth
          mountPath: /etc/orchestrator/auth
          readOnly: true
        - name: secrets
          mountPath: /etc/orchestrator/secrets
          readOnly: true
  volumes:
    {{- if eq .Values.mode "ha" }}
    # Everything durable is in PostgreSQL.
    - name: data
      emptyDir:
        sizeLimit: {{ .Values.modelCache.sizeLimit }}
    {{- end }}
    - name: tmp
      emptyDir:
        sizeLimit: {{ .Values.tmp.sizeLimit }}
    # Secrets you create; the pod does not start without them.
    - name: auth
      secret:
        secretName: {{ .Values.auth.existingSecret }}
        optional: false
        defaultMode: 0440
        items:
          - key: {{ .Values.auth.publicKeyKey }}
            path: {{ .Values.auth.publicKeyKey }}
    - name: secrets
      secret:
        secretName: {{ .Values.secrets.existingSecret }}
        optional: false
        defaultMode: 0440
        items:
          - key: {{ .Values.secrets.key }}
            path: {{ .Values.secrets.key }}
{{- end }}
