// paradec in jshell: bin/paradec-jshell loads this first. Try:
//   var m = ParadecModel.load(Path.of("models/code-ar.gguf"))
//   m.generate("def fibonacci(n):", GenerationRequest.of("jacobi").maxTokens(48).streamTo(System.out::print))
//   m.close()
import java.nio.file.Path;
import paradec.engine.*;
import paradec.generation.*;
import paradec.decode.*;
import paradec.diffusion.*;
import paradec.trace.*;
System.out.println("paradec: ParadecModel.load(Path.of(\"models/code-ar.gguf\")), then model.generate(\"...\", GenerationRequest.of(\"jacobi\"))");
