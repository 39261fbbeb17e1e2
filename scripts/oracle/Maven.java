// Compares versions with Maven's ComparableVersion (every string is valid).
// stdin: "a\tb" lines; stdout: "<cmp> 1 1" lines.
import java.io.*;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class Maven {
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) continue;
      int i = line.indexOf('\t');
      int c = new ComparableVersion(line.substring(0, i)).compareTo(new ComparableVersion(line.substring(i + 1)));
      out.println((c < 0 ? -1 : c > 0 ? 1 : 0) + " 1 1");
    }
    out.flush();
  }
}
