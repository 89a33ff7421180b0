package dev.siskin.client.k8s;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.Yaml;

/**
 * Multi-document Kubernetes YAML parsed into fabric8's typed model, strictly. fabric8 never rejects a field it does
 * not know: it keeps it in the object's {@code additionalProperties}. So after parsing, every model object in the
 * tree is walked and any non-empty {@code additionalProperties} is an unknown (misspelt, misplaced or made-up)
 * field, reported with its path. A value of the wrong type (replicas: two) already fails in Jackson. Only the
 * kinds Siskin ships are known; any other apiVersion/kind (policy/v1beta1, a typo in kind) is refused too.
 */
public final class StrictKubernetesModel {
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "v1/Namespace", Namespace.class,
      "v1/ServiceAccount", ServiceAccount.class,
      "v1/ConfigMap", ConfigMap.class,
      "v1/Service", Service.class,
      "apps/v1/Deployment", Deployment.class,
      "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
      "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
      "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private StrictKubernetesModel() {}

  /** Thrown with every problem of a manifest set, one per line. */
  public static final class InvalidManifestException extends RuntimeException {
    InvalidManifestException(List<String> problems) {
      super(String.join("\n", problems));
    }
  }

  /**
   * Parses every document of {@code yaml} (empty documents are skipped).
   *
   * @throws InvalidManifestException naming each object and field that the model does not know
   */
  public static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int index = 0;
    for (Object doc : new Yaml().loadAll(yaml)) {
      index++;
      if (doc == null) {
        continue;
      }
      if (!(doc instanceof Map<?, ?> map)) {
        problems.add("document " + index + ": not a mapping");
        continue;
      }
      String type = map.get("apiVersion") + "/" + map.get("kind");
      Class<? extends HasMetadata> modelClass = KINDS.get(type);
      if (modelClass == null) {
        problems.add("document " + index + ": unknown apiVersion/kind " + type + " (expected one of "
            + KINDS.keySet().stream().sorted().collect(Collectors.joining(", ")) + ")");
        continue;
      }
      HasMetadata object;
      try {
        object = MAPPER.convertValue(map, modelClass);
      } catch (IllegalArgumentException e) {
        problems.add("document " + index + " (" + type + "): " + e.getMessage());
        continue;
      }
      String name = map.get("kind") + " " + (object.getMetadata() == null ? "(no metadata)" : object.getMetadata().getName());
      List<String> unknown = new ArrayList<>();
      walk(object, "", unknown, new IdentityHashMap<>());
      unknown.forEach(u -> problems.add(name + ": " + u));
      objects.add(object);
    }
    if (!problems.isEmpty()) {
      throw new InvalidManifestException(problems);
    }
    return objects;
  }

  private static void walk(Object value, String path, List<String> unknown, Map<Object, Boolean> seen) {
    if (value == null || seen.put(value, Boolean.TRUE) != null) {
      return;
    }
    if (value instanceof Collection<?> list) {
      int i = 0;
      for (Object element : list) {
        walk(element, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "[" + k + "]", unknown, seen));
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.")) {
      return; // a string, number or boolean: a leaf
    }
    for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object child = read(field, value);
        if (field.getName().equals("additionalProperties") && child instanceof Map<?, ?> extra) {
          extra.keySet().forEach(k -> unknown.add((path.isEmpty() ? "" : path.substring(1) + ": ") + "unknown field '"
              + k + "'"));
        } else if (field.isAnnotationPresent(JsonProperty.class)) {
          walk(child, path + "." + field.getAnnotation(JsonProperty.class).value(), unknown, seen);
        }
      }
    }
  }

  private static Object read(Field field, Object owner) {
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + field, e);
    }
  }

  /** The kinds this model knows, as apiVersion/kind. */
  public static Set<String> kinds() {
    return KINDS.keySet();
  }
}
