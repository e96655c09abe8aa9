package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.polysock.Constants;
import org.polysock.Net;
import org.polysock.Poller;

/** Constants come from the native library, all of them, under their Python names. */
class ConstantsTest {
  @Test
  void everyFieldEqualsTheLibrarysValue() throws Exception {
    Map<String, Long> all = Net.constants();
    int fields = 0;
    for (Field f : Constants.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        fields++;
        assertEquals(all.get(f.getName()), ((Number) f.get(null)).longValue(), f.getName());
        assertEquals(Net.constant(f.getName()), ((Number) f.get(null)).longValue(), f.getName());
      }
    }
    assertEquals(all.size(), fields, "one field per native constant");
  }

  @Test
  void familiarValuesOnLinux() {
    assertEquals(2, Net.AF_INET);
    assertEquals(10, Net.AF_INET6);
    assertEquals(1, Net.SOCK_STREAM);
    assertEquals(4294967295L, Net.INADDR_NONE);
    assertEquals(Net.AF_INET, Net.constant("NET_AF_INET"));
    assertTrue(Poller.EVENT_READ != 0 && Poller.EVENT_WRITE != 0);
  }
}
