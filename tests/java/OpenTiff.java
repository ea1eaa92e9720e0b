// Opens TIFFs the way ImageJ/Fiji's File > Open does (ij.io.Opener) and prints what it sees.
// stdin: lines "PATH<TAB>SLICE<TAB>X<TAB>Y"; stdout per line: "WIDTH HEIGHT SLICES BITDEPTH VALUE".
import ij.ImagePlus;
import ij.io.Opener;
import java.io.BufferedReader;
import java.io.InputStreamReader;

public class OpenTiff {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] f = line.split("\t");
      ImagePlus imp = new Opener().openImage(f[0]);
      if (imp == null) {
        System.out.println("null");
        continue;
      }
      int slice = Integer.parseInt(f[1]), x = Integer.parseInt(f[2]), y = Integer.parseInt(f[3]);
      System.out.println(imp.getWidth() + " " + imp.getHeight() + " " + imp.getStackSize() + " "
          + imp.getBitDepth() + " " + imp.getStack().getProcessor(slice).getPixelValue(x, y));
    }
  }
}
