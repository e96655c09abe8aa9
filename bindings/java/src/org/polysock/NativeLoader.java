package org.polysock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads libpolysock and the JNI library. The jar carries both under
 * /native/&lt;os&gt;-&lt;arch&gt;/: they are copied into a fresh temporary directory and
 * loaded from there, libpolysock first, so the JNI library's dependency is already
 * satisfied (its RPATH is $ORIGIN as well). Without them in the jar, the JNI library is
 * looked up on java.library.path. Nobody needs LD_LIBRARY_PATH.
 */
final class NativeLoader {
  static final String CORE_LIBRARY = "libpolysock.so.1";
  static final String JNI_LIBRARY = "polysock_java";

  private static boolean loaded;

  private NativeLoader() {}

  static synchronized void load() {
    if (loaded) {
      return;
    }
    String dir = "/native/" + platform() + "/";
    String jniFile = System.mapLibraryName(JNI_LIBRARY);
    if (NativeLoader.class.getResource(dir + CORE_LIBRARY) != null
        && NativeLoader.class.getResource(dir + jniFile) != null) {
      loadFromJar(dir, jniFile);
    } else {
      System.loadLibrary(JNI_LIBRARY);
    }
    loaded = true;
  }

  private static void loadFromJar(String dir, String jniFile) {
    Path tmp = null;
    try {
      tmp = Files.createTempDirectory("polysock-");
      Path core = extract(dir + CORE_LIBRARY, tmp.resolve(CORE_LIBRARY));
      Path jni = extract(dir + jniFile, tmp.resolve(jniFile));
      System.load(core.toString());
      System.load(jni.toString());
    } catch (IOException e) {
      throw new UnsatisfiedLinkError("polysock: cannot extract the native libraries: " + e);
    } finally {
      // Linux keeps a loaded library mapped after its file is gone: leave no litter.
      if (tmp != null) {
        deleteQuietly(tmp.resolve(CORE_LIBRARY));
        deleteQuietly(tmp.resolve(jniFile));
        deleteQuietly(tmp);
      }
    }
  }

  private static Path extract(String resource, Path target) throws IOException {
    try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("missing resource " + resource);
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      p.toFile().deleteOnExit();
    }
  }

  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) {
      os = "linux";
    }
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      arch = "x86_64";
    }
    return os + "-" + arch;
  }
}
